from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cocreate.meetings"
    label = "meetings"

    def ready(self) -> None:
        from cocreate.orgs.models import Role
        from cocreate.orgs.permissions import OFFICIALS, register_actions

        register_actions({
            # Reading topics, meetings, attendance and minutes on the staff console.
            "meetings.view": {Role.GRID_WORKER, *OFFICIALS},
            # 议题: create, gather needs, move the status, appoint moderators — the community's cadres.
            "meetings.manage_topic": {Role.CADRE},
            # Hiding posts and clearing reports as staff; residents appointed Moderator also may.
            "meetings.moderate": {Role.CADRE},
            # Scheduling and hosting: a cadre anywhere in the community, a grid worker in their
            # grid (屋场会, 板凳会 are usually a grid worker's meetings).
            "meetings.run_meeting": {Role.GRID_WORKER, Role.CADRE},
        })
