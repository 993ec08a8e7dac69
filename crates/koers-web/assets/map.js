// Interactive maps (MapLibre GL JS, vendored): every widget with `data-koers-map` gets a map
// that pans, zooms and (in 3D) rotates and tilts in place, with the legend beside it. The
// base map is offline by default: the built-in province and municipality boundaries on a
// water-coloured background, nothing fetched from outside; a style URL set in koers.toml
// (`map_style`) is drawn beneath instead. Regions show their name and value on hover and,
// by keyboard, for the region in the middle of the map; a click or Enter drills down. The
// server-drawn SVG stays for pages without script or WebGL and for the exports, and the
// table under the map is its text alternative.
import { Map as MapLibre, AttributionControl } from "./vendor/maplibre/maplibre-gl.mjs";

const boundaries = new Map();
function boundary(level) {
  if (!boundaries.has(level)) {
    boundaries.set(
      level,
      fetch(`/kaart/grenzen/${level}.geojson`, { credentials: "same-origin" }).then((r) => {
        if (!r.ok) throw new Error(`${r.status}`);
        return r.json();
      }),
    );
  }
  return boundaries.get(level);
}

function webgl() {
  try {
    const c = document.createElement("canvas");
    return Boolean(c.getContext("webgl2") || c.getContext("webgl"));
  } catch {
    return false;
  }
}

// The bounding box [[w, s], [e, n]] of GeoJSON features.
function bbox(features) {
  let [w, s, e, n] = [180, 90, -180, -90];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]);
      s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  features.forEach((f) => f.geometry && walk(f.geometry.coordinates || []));
  return w > e ? null : [[w, s], [e, n]];
}

// The offline base map: water, the land of the provinces, their borders; municipal borders
// faintly when the map shows municipalities.
function offlineStyle(provinces, municipalities) {
  const sources = { provincies: { type: "geojson", data: provinces } };
  const layers = [
    { id: "water", type: "background", paint: { "background-color": "#d7e6ef" } },
    { id: "land", type: "fill", source: "provincies", paint: { "fill-color": "#f4f3ee" } },
  ];
  if (municipalities) {
    sources.gemeenten = { type: "geojson", data: municipalities };
    layers.push({ id: "gemeentegrenzen", type: "line", source: "gemeenten", paint: { "line-color": "#c9c9c4", "line-width": 0.5 } });
  }
  layers.push({ id: "provinciegrenzen", type: "line", source: "provincies", paint: { "line-color": "#8d969e", "line-width": 0.9 } });
  return { version: 8, sources, layers };
}

// The widget's own layers: coloured regions (flat or raised) or points.
function addData(map, spec, features) {
  if (spec.kind === "tiles") {
    // Every point from vector tiles (layer `punten`): a point, or a cell with `aantal` points.
    map.addSource("gegevens", { type: "vector", tiles: [window.location.origin + spec.tiles] /* new URL() would encode {z} */, maxzoom: 16 });
    map.addLayer({
      id: "gegevens", type: "circle", source: "gegevens", "source-layer": "punten",
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "aantal"]], 1, 3, 30, 14],
        "circle-color": "#0b5ea8", "circle-opacity": 0.75,
        "circle-stroke-color": "#ffffff", "circle-stroke-width": 0.5,
      },
    });
    return;
  }
  map.addSource("gegevens", { type: "geojson", data: { type: "FeatureCollection", features } });
  if (spec.kind === "flows") {
    const ends = features.map((f) => ({
      type: "Feature", geometry: { type: "Point", coordinates: f.geometry.coordinates.at(-1) }, properties: f.properties,
    }));
    map.addSource("aankomst", { type: "geojson", data: { type: "FeatureCollection", features: ends } });
  }
  if (spec.kind === "points") {
    // Any geometry of a result: areas and lines as they are, points as dots.
    const hover = ["boolean", ["feature-state", "hover"], false];
    const is = (...types) => ["in", ["geometry-type"], ["literal", types]];
    map.addLayer({
      id: "gegevens-vlak", type: "fill", source: "gegevens", filter: is("Polygon", "MultiPolygon"),
      paint: { "fill-color": "#0b5ea8", "fill-opacity": ["case", hover, 0.6, 0.35], "fill-outline-color": "#08306b" },
    });
    map.addLayer({
      id: "gegevens-lijn", type: "line", source: "gegevens", filter: is("LineString", "MultiLineString"),
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": ["case", hover, "#1a1a1a", "#0b5ea8"], "line-width": ["case", hover, 4, 2.5] },
    });
    map.addLayer({
      id: "gegevens", type: "circle", source: "gegevens", filter: is("Point", "MultiPoint"),
      paint: {
        "circle-radius": ["case", ["boolean", ["feature-state", "hover"], false], 7, 4.5],
        "circle-color": "#0b5ea8", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1,
      },
    });
    return;
  }
  if (spec.kind === "flows") {
    map.addLayer({
      id: "gegevens", type: "line", source: "gegevens",
      layout: { "line-cap": "round", "line-join": "round" },
      paint: {
        "line-color": ["case", ["boolean", ["feature-state", "hover"], false], "#1a1a1a", ["get", "colour"]],
        "line-width": ["get", "width"],
        "line-opacity": 0.85,
      },
    });
    map.addLayer({
      id: "gegevens-aankomst", type: "circle", source: "aankomst",
      paint: { "circle-radius": ["+", 1.5, ["/", ["get", "width"], 2]], "circle-color": ["get", "colour"], "circle-stroke-color": "#1a1a1a", "circle-stroke-width": 0.5 },
    });
    return;
  }
  if (spec.kind === "buildings") {
    // Buildings stand at their own height in metres.
    map.addLayer({
      id: "gegevens", type: "fill-extrusion", source: "gegevens",
      paint: {
        "fill-extrusion-color": ["case", ["boolean", ["feature-state", "hover"], false], "#1a1a1a", ["get", "kleur"]],
        "fill-extrusion-height": ["get", "hoogte"],
        "fill-extrusion-opacity": 0.95,
      },
    });
    return;
  }
  if (spec.kind === "extrude") {
    const top = spec.level === "provincies" ? 60000 : 15000;
    map.addLayer({
      id: "gegevens", type: "fill-extrusion", source: "gegevens",
      paint: {
        "fill-extrusion-color": ["get", "colour"],
        "fill-extrusion-height": ["*", ["get", "height"], top],
        "fill-extrusion-opacity": 0.92,
      },
    });
    return;
  }
  map.addLayer({ id: "gegevens", type: "fill", source: "gegevens", paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.92 } });
  map.addLayer({
    id: "gegevens-rand", type: "line", source: "gegevens",
    paint: {
      "line-color": ["case", ["boolean", ["feature-state", "hover"], false], "#1a1a1a", "#555555"],
      "line-width": ["case", ["boolean", ["feature-state", "hover"], false], 2.5, 0.6],
    },
  });
}

// What a feature says in a tooltip and in the live text.
function describe(box, f) {
  const p = f.properties || {};
  if (p.lines !== undefined) return String(p.lines).split("\n").join(" · ");
  if (p.label !== undefined) return String(p.label);
  if (p.aantal !== undefined) return `${p.aantal} ${box.dataset.koersPoints}`;
  return `${p.name}: ${p.shown || box.dataset.koersNoData}`;
}

// Follows a drill-down link through the dashboard's own link handling (only the widgets
// are redrawn, the address follows).
function follow(box, href) {
  const a = document.createElement("a");
  a.href = href;
  a.hidden = true;
  box.appendChild(a);
  a.click();
  a.remove();
}

const live = new Set();

async function mount(box) {
  box.dataset.koersMounted = "1";
  const spec = JSON.parse(box.dataset.koersMap);
  const widget = box.closest(".koers-widget");
  const holder = box.querySelector(".koers-live-map__canvas");
  const centreText = box.querySelector(".koers-live-map__centre");
  let features;
  let provinces;
  let municipalities = null;
  try {
    provinces = await boundary("provincies");
    if (spec.level === "gemeenten") municipalities = await boundary("gemeenten");
  } catch {
    return; // The SVG stays.
  }
  if (spec.points) {
    features = spec.points.features.map((f, i) => ({ ...f, id: i }));
  } else if (spec.kind === "tiles") {
    features = []; // The tiles bring them.
  } else if (spec.kind === "flows") {
    features = spec.flows.map((f, i) => ({
      type: "Feature", id: i, geometry: { type: "LineString", coordinates: f.line },
      properties: { label: f.label, colour: f.colour, width: f.width },
    }));
  } else {
    const regions = spec.level === "gemeenten" ? municipalities : provinces;
    const byCode = new Map(spec.areas.map((a) => [a.code, a]));
    features = regions.features
      .filter((f) => byCode.has(f.properties.statcode))
      .map((f, i) => ({ type: "Feature", id: i, geometry: f.geometry, properties: byCode.get(f.properties.statcode) }));
  }
  const bounds = bbox(features) || bbox(provinces.features);
  if (!bounds) return;
  const configured = box.dataset.koersBasemap;
  const threeD = spec.kind === "extrude" || spec.kind === "buildings";
  box.hidden = false;
  let map;
  try {
    map = new MapLibre({
    container: holder,
    style: configured || offlineStyle(provinces, municipalities),
    bounds,
    fitBoundsOptions: { padding: 20 },
    attributionControl: false,
    dragRotate: threeD,
    touchPitch: threeD,
    pitch: threeD ? 90 - spec.tilt : 0,
    bearing: threeD ? spec.rotate : 0,
    maxPitch: 75,
      // The page scrolls past a map: two fingers (or Ctrl with the wheel) move it.
      cooperativeGestures: true,
      locale: {
        "CooperativeGesturesHandler.WindowsHelpText": box.dataset.koersGestureKeys,
        "CooperativeGesturesHandler.MacHelpText": box.dataset.koersGestureKeysMac,
        "CooperativeGesturesHandler.MobileHelpText": box.dataset.koersGestureTouch,
      },
    });
  } catch {
    box.hidden = true; // No WebGL after all: the SVG stays.
    return;
  }
  map.addControl(new AttributionControl({ compact: true, customAttribution: box.dataset.koersAttribution }));
  live.add({ box, map });
  box.koersMap = map; // For the page's own checks (the browser tests read features back).
  map.on("error", (e) => console.warn("kaart:", e.error && e.error.message));
  const canvas = map.getCanvas();
  canvas.setAttribute("role", "application");
  canvas.setAttribute("aria-label", holder.dataset.koersLabel || "");
  canvas.setAttribute("aria-describedby", holder.dataset.koersHelp || "");

  map.on("load", () => {
    addData(map, spec, features);
    const figure = widget && widget.querySelector(".koers-figure");
    if (figure) figure.hidden = true;
    // On a narrow map the attribution starts folded to its (i) button, off the map.
    const attribution = holder.querySelector(".maplibregl-ctrl-attrib");
    if (attribution && holder.clientWidth < 500) {
      attribution.classList.remove("maplibregl-compact-show");
      attribution.removeAttribute("open");
    }
    box.dataset.koersReady = "1";
    map.resize();
    // Buildings are seen from a street's height at most: a few tall ones fill no screen.
    const maxZoom = spec.kind === "buildings" ? 16 : 22;
    map.fitBounds(bounds, { padding: 20, duration: 0, maxZoom, bearing: map.getBearing(), pitch: map.getPitch() });
  });

  // Hover: the region's outline darkens and a tooltip names it and its value.
  const tip = document.createElement("div");
  tip.className = "koers-live-map__tip";
  tip.hidden = true;
  holder.appendChild(tip);
  let hovered = null;
  const highlight = (f) => {
    if (spec.kind === "tiles") return; // Tile features carry no id to mark.
    if (hovered !== null) map.setFeatureState({ source: "gegevens", id: hovered }, { hover: false });
    hovered = f ? f.id : null;
    if (hovered !== null) map.setFeatureState({ source: "gegevens", id: hovered }, { hover: true });
  };
  const showTip = (f, point) => {
    if (!f) {
      tip.hidden = true;
      return;
    }
    tip.textContent = describe(box, f);
    tip.hidden = false;
    const x = Math.min(point.x + 12, holder.clientWidth - tip.offsetWidth - 4);
    tip.style.left = `${Math.max(4, x)}px`;
    tip.style.top = `${Math.max(4, point.y - tip.offsetHeight - 10)}px`;
  };
  const at = (point) => {
    const layers = ["gegevens", "gegevens-lijn", "gegevens-vlak"].filter((id) => map.getLayer(id));
    if (!layers.length) return null;
    // A plain {x, y} would be read as options (the whole map): pass [x, y].
    return map.queryRenderedFeatures([point.x, point.y], { layers })[0] || null;
  };
  map.on("mousemove", (e) => {
    const f = at(e.point);
    highlight(f);
    showTip(f, e.point);
    canvas.style.cursor = f && f.properties.link ? "pointer" : "";
  });
  map.on("mouseout", () => {
    highlight(null);
    tip.hidden = true;
  });
  map.on("click", (e) => {
    const f = at(e.point);
    if (f && f.properties.link) follow(box, f.properties.link);
  });

  // Keyboard: MapLibre moves, zooms, rotates; the region in the middle is named (and shown
  // in a tooltip), and Enter chooses it.
  let focused = false;
  const middle = () => {
    const c = { x: holder.clientWidth / 2, y: holder.clientHeight / 2 };
    return { point: c, feature: at(c) };
  };
  const announceMiddle = () => {
    if (!focused) return;
    const { point, feature } = middle();
    highlight(feature);
    showTip(feature, point);
    centreText.textContent = feature ? `${box.dataset.koersCentre}: ${describe(box, feature)}` : "";
  };
  canvas.addEventListener("focus", () => {
    focused = true;
    holder.classList.add("koers-live-map__canvas--focus");
    announceMiddle();
  });
  canvas.addEventListener("blur", () => {
    focused = false;
    holder.classList.remove("koers-live-map__canvas--focus");
    highlight(null);
    tip.hidden = true;
  });
  map.on("moveend", announceMiddle);
  canvas.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const { feature } = middle();
    if (feature && feature.properties.link) {
      e.preventDefault();
      follow(box, feature.properties.link);
    }
  });

  // 3D: the sliders turn and tilt the map in place, and follow the mouse and keys.
  const form = widget && widget.querySelector("form.koers-3d-controls");
  if (form && threeD) {
    form.dataset.koersLive = "1";
    const rot = form.querySelector('input[name^="rot."]');
    const tilt = form.querySelector('input[name^="tilt."]');
    const button = form.querySelector('button[type="submit"]');
    if (button) button.hidden = true;
    // The address carries the angle, so a shared link and Back show the same view.
    const remember = () => {
      const url = new URL(window.location.href);
      url.searchParams.set(rot.name, rot.value);
      url.searchParams.set(tilt.name, tilt.value);
      history.replaceState(history.state, "", url);
    };
    const turn = () => {
      map.easeTo({ bearing: Number(rot.value), pitch: 90 - Number(tilt.value), duration: 200 });
      remember();
    };
    rot.addEventListener("input", turn);
    tilt.addEventListener("input", turn);
    map.on("rotateend", () => {
      rot.value = String((Math.round((((map.getBearing() % 360) + 360) % 360) / 15) * 15) % 360);
      remember();
    });
    map.on("pitchend", () => {
      tilt.value = String(Math.max(15, Math.min(90, Math.round((90 - map.getPitch()) / 5) * 5)));
      remember();
    });
  }
}

function mountAll() {
  for (const entry of live) {
    if (!entry.box.isConnected) {
      entry.map.remove();
      live.delete(entry);
    }
  }
  document.querySelectorAll(".koers-live-map[data-koers-map]:not([data-koers-mounted])").forEach((box) => {
    mount(box).catch(() => {});
  });
}

if (webgl()) {
  mountAll();
  new MutationObserver(mountAll).observe(document.body, { childList: true, subtree: true });
}
