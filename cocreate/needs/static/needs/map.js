// Place a need on a map (Leaflet). The picker writes the tapped point into the latitude and
// longitude inputs, which stay visible so that the numbers can also be typed or read aloud.
(function () {
  "use strict";

  function fixed(value) { return Number(value).toFixed(6); }

  function buildMap(el) {
    var center = [Number(el.dataset.lat), Number(el.dataset.lng)];
    var map = L.map(el, { scrollWheelZoom: false }).setView(center, el.hasAttribute("data-marker") ? 17 : 14);
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    var marker = el.hasAttribute("data-marker") ? L.marker(center).addTo(map) : null;
    return { map: map, marker: marker };
  }

  function bindPicker(wrap, el, state) {
    var latInput = document.getElementById(el.dataset.latInput);
    var lngInput = document.getElementById(el.dataset.lngInput);
    function put(lat, lng) {
      latInput.value = fixed(lat);
      lngInput.value = fixed(lng);
      if (state.marker) { state.marker.setLatLng([lat, lng]); } else { state.marker = L.marker([lat, lng]).addTo(state.map); }
    }
    state.map.on("click", function (event) { put(event.latlng.lat, event.latlng.lng); });
    var locate = wrap.querySelector("[data-map-locate]");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          put(pos.coords.latitude, pos.coords.longitude);
          state.map.setView([pos.coords.latitude, pos.coords.longitude], 17);
        });
      });
    } else if (locate) { locate.hidden = true; }
    if (latInput.value && lngInput.value) { put(latInput.value, lngInput.value); state.map.setView([latInput.value, lngInput.value], 17); }
  }

  function showWithPlace(wrap, state) {
    // The picker is shown only while "a point on the map" is the chosen place.
    var radios = document.querySelectorAll("input[name='place']");
    if (!radios.length) { return; }  // a form without a choice of place (a project's) always shows it
    function sync() {
      var point = document.querySelector("input[name='place'][value='point']");
      wrap.hidden = !(point && point.checked);
      if (!wrap.hidden) { state.map.invalidateSize(); }
    }
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  document.querySelectorAll("[data-map]").forEach(function (el) {
    if (typeof L === "undefined") { return; }
    var wrap = el.closest(".need-map-wrap");
    var picker = wrap.hasAttribute("data-map-picker");
    if (picker) { wrap.hidden = false; }  // Leaflet needs a laid-out box to measure
    var state = buildMap(el);
    if (picker) {
      bindPicker(wrap, el, state);
      showWithPlace(wrap, state);
    }
  });
})();
