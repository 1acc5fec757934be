// Starts Swagger UI on the API docs page (no inline script: CSP script-src 'self').
// Requests made from the page carry the CSRF token, so a signed-in session can try writes.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrfToken = document.body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  config.requestInterceptor = function (request) {
    if (csrfToken) {
      request.headers["X-CSRFToken"] = csrfToken;
    }
    return request;
  };
  window.SwaggerUIBundle(config);
})();
