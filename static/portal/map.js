/* The offline base layer shared by the portal wizard and the back office: Indonesia's province
   boundaries (static/portal/boundaries/provinces.geojson, Natural Earth via Apache Superset) drawn by
   the vendored Leaflet, and a point-in-polygon lookup for the province under a pin.
   A tile server (PORTAL_MAP_TILE_URL, in the element's data-tiles) is drawn beneath when set. */
(function () {
  "use strict";

  function words() {    // translated words from templates/_js_strings.html
    try { return JSON.parse(document.getElementById("js-strings").textContent); } catch (e) { return {}; }
  }

  function ringContains(ring, x, y) {      // ray casting; ring = [[lng, lat], ...]
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }
  function polygonContains(rings, x, y) {
    if (!ringContains(rings[0], x, y)) { return false; }
    for (var h = 1; h < rings.length; h++) { if (ringContains(rings[h], x, y)) { return false; } }
    return true;
  }
  function featureContains(feature, lat, lng) {
    var g = feature.geometry;
    if (g.type === "Polygon") { return polygonContains(g.coordinates, lng, lat); }
    if (g.type === "MultiPolygon") {
      return g.coordinates.some(function (p) { return polygonContains(p, lng, lat); });
    }
    return false;
  }
  function provinceAt(features, lat, lng) {
    for (var i = 0; i < features.length; i++) {
      if (featureContains(features[i], lat, lng)) { return features[i].properties; }
    }
    return null;
  }

  /* A Leaflet map in `el` with the province layer. options: {lat, lng, zoom, boundaries, tiles,
     onReady(features)}. Returns the map. */
  function create(el, options) {
    var tiles = options.tiles || "";
    var map = L.map(el, { attributionControl: true, minZoom: 4 });
    map.attributionControl.setPrefix(false);
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap" }).addTo(map);
    }
    map.setView([options.lat, options.lng], options.zoom);
    if (options.boundaries) {
      fetch(options.boundaries).then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; })
        .then(function (data) {
          if (!data) { return; }
          L.geoJSON(data, {
            interactive: false,
            style: { color: "#4a6a85", weight: 1, fillColor: tiles ? "#ffffff" : "#e5eee3", fillOpacity: tiles ? 0.05 : 1 }
          }).addTo(map).bringToBack();
          map.attributionControl.addAttribution(words().map_boundaries || "Batas provinsi: Natural Earth");
          if (options.onReady) { options.onReady(data.features); }
        });
    }
    if (!tiles) { el.style.background = "#cfe3f1"; }       // the sea
    return map;
  }

  window.SatuPintuMap = { create: create, provinceAt: provinceAt };

  // the back office: a read-only map for every [data-app-map] element
  document.querySelectorAll("[data-app-map]").forEach(function (el) {
    if (!window.L) { return; }
    var lat = parseFloat(el.getAttribute("data-lat")), lng = parseFloat(el.getAttribute("data-lng"));
    if (isNaN(lat) || isNaN(lng)) { return; }
    L.Icon.Default.imagePath = el.getAttribute("data-icons");
    var map = create(el, { lat: lat, lng: lng, zoom: el.getAttribute("data-tiles") ? 14 : 8,
                           boundaries: el.getAttribute("data-boundaries"), tiles: el.getAttribute("data-tiles") });
    L.marker([lat, lng], { keyboard: false, title: el.getAttribute("aria-label") || "" }).addTo(map);
  });
})();
