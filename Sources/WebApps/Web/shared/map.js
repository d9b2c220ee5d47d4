// A map drawn by Tiffin itself, with no internet needed: SVG in Web Mercator, zoom and pan by
// pointer, wheel, buttons and keyboard; markers for restaurants, the delivery address and the
// courier, and a route line. When the server is configured with a tile URL, raster tiles are
// drawn beneath (with their credit); without one, a light grid and the markers are the map.

const SVG = "http://www.w3.org/2000/svg";
const TILE = 256;
const MIN_ZOOM = 3;
const MAX_ZOOM = 19;

function node(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** Web Mercator: world pixel coordinates of a point at zoom `z`. */
export function project(lat, lon, z) {
  const scale = TILE * 2 ** z;
  const sin = Math.sin((Math.max(-85.05112878, Math.min(85.05112878, lat)) * Math.PI) / 180);
  return {
    x: ((lon + 180) / 360) * scale,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale,
  };
}

/** The inverse of `project`. */
export function unproject(x, y, z) {
  const scale = TILE * 2 ** z;
  const lon = (x / scale) * 360 - 180;
  const n = Math.PI - (2 * Math.PI * y) / scale;
  return { lat: (180 / Math.PI) * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n))), lon };
}

const styles = {
  restaurant: { fill: "#a40e26", radius: 7, symbol: "R" },
  home: { fill: "#1a6b35", radius: 8, symbol: "H" },
  courier: { fill: "#0b5cad", radius: 9, symbol: "C" },
  stale: { fill: "#6e7781", radius: 9, symbol: "C" },
};

export class CityMap {
  /**
   * @param {HTMLElement} container  where the map goes (it fills the container's width)
   * @param {{centre: {lat: number, lon: number}, zoom?: number, tiles?: string, attribution?: string,
   *          label: string, describedBy?: string, onPick?: (point: {lat: number, lon: number}) => void}} options
   */
  constructor(container, options) {
    this.options = options;
    this.centre = { ...options.centre };
    this.zoom = options.zoom ?? 14;
    this.markers = new Map();
    this.route = null;
    // A map that picks a point is operated (role application: arrow keys move it, Enter picks
    // the point under the cross); one that only shows is an image that can still be panned.
    this.svg = node("svg", {
      class: "map", role: options.onPick ? "application" : "img", "aria-label": options.label, tabindex: "0",
      ...(options.describedBy ? { "aria-describedby": options.describedBy } : {}),
    });
    this.tiles = node("g", { class: "map-tiles" });
    this.grid = node("g", { class: "map-grid" });
    this.routeLayer = node("g", { class: "map-route" });
    this.markerLayer = node("g", { class: "map-markers" });
    this.cross = node("g", { class: "map-cross", "aria-hidden": "true" });
    this.svg.append(this.tiles, this.grid, this.routeLayer, this.markerLayer, this.cross);
    const zoomIn = Object.assign(document.createElement("button"), { type: "button", textContent: "+", className: "secondary" });
    zoomIn.setAttribute("aria-label", "Zoom in");
    zoomIn.addEventListener("click", () => this.setZoom(this.zoom + 1));
    const zoomOut = Object.assign(document.createElement("button"), { type: "button", textContent: "−", className: "secondary" });
    zoomOut.setAttribute("aria-label", "Zoom out");
    zoomOut.addEventListener("click", () => this.setZoom(this.zoom - 1));
    const controls = document.createElement("div");
    controls.className = "row map-controls";
    controls.append(zoomIn, zoomOut);
    this.legend = document.createElement("p");
    this.legend.className = "map-attribution";
    this.legend.textContent = options.tiles && options.attribution ? `Map tiles: ${options.attribution}` : "Map drawn by Tiffin (no tile server configured)";
    container.append(this.svg, controls, this.legend);
    this.listen();
    new ResizeObserver(() => this.draw()).observe(this.svg);
    this.draw();
  }

  get size() {
    const box = this.svg.getBoundingClientRect();
    return { width: Math.max(1, box.width), height: Math.max(1, box.height) };
  }

  /** Screen position (in the SVG) of a point. */
  toScreen(lat, lon) {
    const { width, height } = this.size;
    const c = project(this.centre.lat, this.centre.lon, this.zoom);
    const p = project(lat, lon, this.zoom);
    return { x: p.x - c.x + width / 2, y: p.y - c.y + height / 2 };
  }

  toPoint(x, y) {
    const { width, height } = this.size;
    const c = project(this.centre.lat, this.centre.lon, this.zoom);
    return unproject(c.x + x - width / 2, c.y + y - height / 2, this.zoom);
  }

  setZoom(zoom) {
    this.zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, Math.round(zoom)));
    this.draw();
  }

  panBy(dx, dy) {
    const c = project(this.centre.lat, this.centre.lon, this.zoom);
    this.centre = unproject(c.x + dx, c.y + dy, this.zoom);
    this.draw();
  }

  /** Centres and zooms so every point shows. */
  fit(points) {
    const valid = points.filter(Boolean);
    if (valid.length === 0) return;
    if (valid.length === 1) {
      this.centre = { lat: valid[0].lat, lon: valid[0].lon };
      return this.draw();
    }
    const { width, height } = this.size;
    for (let z = MAX_ZOOM - 2; z >= MIN_ZOOM; z -= 1) {
      const projected = valid.map((p) => project(p.lat, p.lon, z));
      const xs = projected.map((p) => p.x);
      const ys = projected.map((p) => p.y);
      if (Math.max(...xs) - Math.min(...xs) < width - 60 && Math.max(...ys) - Math.min(...ys) < height - 60) {
        this.zoom = z;
        this.centre = unproject((Math.max(...xs) + Math.min(...xs)) / 2, (Math.max(...ys) + Math.min(...ys)) / 2, z);
        return this.draw();
      }
    }
  }

  /** Adds or moves a marker: `kind` is restaurant, home, courier or stale (a courier gone quiet). */
  setMarker(id, { lat, lon, kind, label }) {
    this.markers.set(id, { lat, lon, kind, label });
    this.drawMarkers();
  }

  removeMarker(id) {
    this.markers.delete(id);
    this.drawMarkers();
  }

  /** A line through `points` ([{lat, lon}]), or none. */
  setRoute(points) {
    this.route = points && points.length > 1 ? points : null;
    this.drawRoute();
  }

  listen() {
    let drag = null;
    this.svg.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, moved: false };
      this.svg.setPointerCapture(event.pointerId);
    });
    this.svg.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        this.panBy(-dx, -dy);
        drag.x = event.clientX;
        drag.y = event.clientY;
      }
    });
    this.svg.addEventListener("pointerup", (event) => {
      const wasDrag = drag?.moved;
      drag = null;
      if (!wasDrag && this.options.onPick) {
        const box = this.svg.getBoundingClientRect();
        this.options.onPick(this.toPoint(event.clientX - box.left, event.clientY - box.top));
      }
    });
    this.svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      this.setZoom(this.zoom + (event.deltaY < 0 ? 1 : -1));
    }, { passive: false });
    this.svg.addEventListener("keydown", (event) => {
      const step = 60;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[event.key]) {
        event.preventDefault();
        this.panBy(...moves[event.key]);
      } else if (event.key === "+" || event.key === "=") this.setZoom(this.zoom + 1);
      else if (event.key === "-") this.setZoom(this.zoom - 1);
      else if (event.key === "Enter" && this.options.onPick) this.options.onPick({ ...this.centre });
    });
  }

  draw() {
    this.drawTiles();
    this.drawGrid();
    this.drawRoute();
    this.drawMarkers();
    this.drawCross();
  }

  /** On a map that picks: a cross at the centre, the point Enter picks. */
  drawCross() {
    this.cross.replaceChildren();
    if (!this.options.onPick) return;
    const { width, height } = this.size;
    const x = width / 2;
    const y = height / 2;
    for (const [x1, y1, x2, y2] of [[x - 10, y, x + 10, y], [x, y - 10, x, y + 10]]) {
      this.cross.append(node("line", { x1, y1, x2, y2, stroke: "#1f2328", "stroke-width": 2 }));
    }
  }

  drawTiles() {
    this.tiles.replaceChildren();
    const template = this.options.tiles;
    if (!template) return;
    const { width, height } = this.size;
    const c = project(this.centre.lat, this.centre.lon, this.zoom);
    const left = c.x - width / 2;
    const top = c.y - height / 2;
    const count = 2 ** this.zoom;
    for (let tx = Math.floor(left / TILE); tx <= Math.floor((left + width) / TILE); tx += 1) {
      for (let ty = Math.floor(top / TILE); ty <= Math.floor((top + height) / TILE); ty += 1) {
        if (ty < 0 || ty >= count) continue;
        const wrapped = ((tx % count) + count) % count;
        const href = template.replace("{z}", this.zoom).replace("{x}", wrapped).replace("{y}", ty);
        this.tiles.append(node("image", { href, x: tx * TILE - left, y: ty * TILE - top, width: TILE, height: TILE }));
      }
    }
  }

  /** Without tiles: a grid every 0.01° (about a kilometre), so distance and movement read. */
  drawGrid() {
    this.grid.replaceChildren();
    if (this.options.tiles) return;
    const { width, height } = this.size;
    const topLeft = this.toPoint(0, 0);
    const bottomRight = this.toPoint(width, height);
    const step = this.zoom >= 13 ? 0.01 : this.zoom >= 10 ? 0.1 : 1;
    for (let lon = Math.ceil(topLeft.lon / step) * step; lon < bottomRight.lon; lon += step) {
      const x = this.toScreen(this.centre.lat, lon).x;
      this.grid.append(node("line", { x1: x, y1: 0, x2: x, y2: height, stroke: "#d0d7de", "stroke-width": 1 }));
    }
    for (let lat = Math.ceil(bottomRight.lat / step) * step; lat < topLeft.lat; lat += step) {
      const y = this.toScreen(lat, this.centre.lon).y;
      this.grid.append(node("line", { x1: 0, y1: y, x2: width, y2: y, stroke: "#d0d7de", "stroke-width": 1 }));
    }
  }

  drawRoute() {
    this.routeLayer.replaceChildren();
    if (!this.route) return;
    const points = this.route.map((p) => this.toScreen(p.lat, p.lon));
    this.routeLayer.append(node("polyline", {
      points: points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" "),
      fill: "none", stroke: "#0b5cad", "stroke-width": 4, "stroke-dasharray": "8 6", "stroke-linecap": "round",
    }));
  }

  drawMarkers() {
    this.markerLayer.replaceChildren();
    for (const [id, marker] of this.markers) {
      const style = styles[marker.kind] || styles.restaurant;
      const p = this.toScreen(marker.lat, marker.lon);
      const group = node("g", { class: `map-marker map-marker-${marker.kind}`, "data-id": id, transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})` });
      const title = node("title");
      title.textContent = marker.label;
      const text = node("text", { "text-anchor": "middle", "dominant-baseline": "central", fill: "#fff", "font-size": 10, "font-weight": 700 });
      text.textContent = style.symbol;
      group.append(title, node("circle", { r: style.radius, fill: style.fill, stroke: "#fff", "stroke-width": 2 }), text);
      this.markerLayer.append(group);
    }
  }
}
