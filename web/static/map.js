// Yingji map page (企业地图): draws the county's outline with ECharts
// (registerMap + a geo component, Web Mercator), the layers' points as
// scatter series, and, when a tile server is configured, raster tiles on a
// canvas under the chart, fetched through the same-origin proxy. Data
// comes from data-* attributes and JSON endpoints (CSP: no inline script
// or style).
(function () {
  "use strict";

  var COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0", green: "#2e7d32", grey: "#8895a3" };
  var SYMBOLS = ["circle", "diamond", "triangle", "rect", "roundRect", "pin"];
  var LAYER_COLOURS = ["#455a64", "#6a1b9a", "#00695c", "#4e342e", "#283593", "#827717"];
  var RAD = Math.PI / 180;

  // Web Mercator, so raster tiles line up with the outline.
  var mercator = {
    project: function (p) { return [p[0], -Math.log(Math.tan(Math.PI / 4 + p[1] * RAD / 2)) / RAD]; },
    unproject: function (p) { return [p[0], (2 * Math.atan(Math.exp(-p[1] * RAD)) - Math.PI / 2) / RAD]; }
  };

  function fmt(s, args) {
    return String(s).replace(/\{(\w+)\}/g, function (m, k) { return args[k] !== undefined ? args[k] : m; });
  }

  function esc(s) {
    return String(s === undefined || s === null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  // safeLink accepts only same-site paths.
  function safeLink(s) {
    return typeof s === "string" && s.charAt(0) === "/" && s.charAt(1) !== "/" && s.charAt(1) !== "\\" ? s : "";
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }

  // The lng/lat box of a GeoJSON geometry.
  function geomBox(g, box) {
    var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    polys.forEach(function (p) {
      p.forEach(function (ring) {
        ring.forEach(function (c) {
          box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
          box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
        });
      });
    });
    return box;
  }

  function outerRings(g) {
    if (g.type === "Polygon") { return [g.coordinates[0]]; }
    if (g.type === "MultiPolygon") { return g.coordinates.map(function (p) { return p[0]; }); }
    return [];
  }

  function MapView(el) {
    this.el = el;
    this.t = JSON.parse(el.getAttribute("data-i18n") || "{}");
    this.summary = document.getElementById("map-summary");
    this.canvas = document.getElementById("map-tiles");
    this.tilesURL = el.getAttribute("data-tiles") || "";
    this.focus = el.getAttribute("data-focus") || "";
    this.town = el.getAttribute("data-town") || "";
    this.images = {};
    this.tileErrors = 0;
    this.frame = 0;
    var lang = document.documentElement.lang === "en" ? "EN" : "ZH";
    this.chart = window.echarts.init(el, null, { locale: lang });
  }

  MapView.prototype.say = function (text, error) {
    if (!this.summary) { return; }
    this.summary.textContent = text;
    this.summary.classList.toggle("maperror", !!error);
  };

  MapView.prototype.load = function () {
    var self = this;
    var outline = this.el.getAttribute("data-outline");
    Promise.all([outline ? getJSON(outline) : Promise.resolve(null), getJSON(this.el.getAttribute("data-points"))])
      .then(function (r) { self.draw(r[0], r[1]); })
      .catch(function (err) {
        self.say(self.t.error || "error", true);
        if (window.console) { window.console.error(err); }
      });
  };

  MapView.prototype.tooltip = function (p) {
    var t = this.t;
    if (p.componentType === "geo") {
      return esc(p.name);
    }
    var d = p.data || {};
    if (!d.link && !d.detail) { return esc(d.name || p.name); }
    var html = "<div class=\"maptip\"><b>" + esc(d.name) + "</b>";
    if (d.detail) { html += "<br>" + esc(d.detail); }
    html += "<br><span class=\"mapdot " + esc(d.colour) + "\"></span>" + esc(p.seriesName);
    var link = safeLink(d.link);
    if (link) { html += " · <a href=\"" + esc(link) + "\">" + esc(t.open) + " ›</a>"; }
    return html + "</div>";
  };

  MapView.prototype.draw = function (geo, data) {
    var self = this, t = this.t;
    var layers = data.layers || [];
    var series = [], legend = [], shown = 0, missing = 0, parts = [];
    var focusAt = null;
    var small = this.el.clientWidth < 560;
    layers.forEach(function (l, i) {
      var pts = l.points.map(function (p, j) {
        var d = { name: p.name, value: [p.lng, p.lat], link: p.link, detail: p.detail, colour: p.colour,
          itemStyle: { color: COLOURS[p.colour] || COLOURS.grey } };
        if (self.focus && p.link && p.link.slice(-(self.focus.length + 1)) === "/" + self.focus) {
          focusAt = { series: series.length, index: j, point: d, layer: l.label };
        }
        return d;
      });
      legend.push(l.label);
      series.push({
        type: "scatter", name: l.label, coordinateSystem: geo ? "geo" : "cartesian2d", data: pts,
        symbol: SYMBOLS[i % SYMBOLS.length], symbolSize: small ? 7 : 9,
        itemStyle: { color: LAYER_COLOURS[i % LAYER_COLOURS.length], borderColor: "#fff", borderWidth: 0.8, opacity: 0.95 },
        emphasis: { scale: 1.8, itemStyle: { borderColor: "#000", borderWidth: 1.5 } },
        z: 5
      });
      shown += l.count;
      missing += l.missing || 0;
      var s = fmt(t.shown, { layer: l.label, n: l.count });
      if (l.missing) { s += fmt(t.missing, { n: l.missing }); }
      parts.push(s);
    });
    if (focusAt) {
      series.push({
        type: "effectScatter", name: focusAt.layer, coordinateSystem: geo ? "geo" : "cartesian2d",
        data: [{ name: focusAt.point.name, value: focusAt.point.value, link: focusAt.point.link, detail: focusAt.point.detail,
          colour: focusAt.point.colour, itemStyle: { color: focusAt.point.itemStyle.color } }],
        symbolSize: 16, rippleEffect: { scale: 3, brushType: "stroke" }, z: 6,
        label: { show: true, position: "right", formatter: "{b}", backgroundColor: "#fff", borderColor: "#90a4ae", borderWidth: 1, padding: [2, 4], color: "#1f2933" }
      });
    }
    var text = shown === 0 && missing === 0 ? t.none : parts.join(t.sep);
    if (this.focus && !focusAt) { text += " · " + t.focus_missing; }
    this.say(text, this.focus && !focusAt);

    var opt = {
      animation: false,
      tooltip: { trigger: "item", confine: true, enterable: true, formatter: function (p) { return self.tooltip(p); } },
      legend: { type: "scroll", top: 4, left: "center", data: legend, backgroundColor: "rgba(255,255,255,0.85)", borderRadius: 4, padding: [4, 8] },
      series: series
    };
    if (geo) {
      var name = "county-" + (this.el.getAttribute("data-county") || "map");
      var county = this.el.getAttribute("data-county");
      var towns = geo.features.filter(function (f) { return f.properties && f.properties.code !== county; });
      var border = geo.features.filter(function (f) { return f.properties && f.properties.code === county; });
      window.echarts.registerMap(name, { type: "FeatureCollection", features: towns });
      var onTiles = !!this.tilesURL;
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      towns.forEach(function (f) { geomBox(f.geometry, box); });
      var p0 = mercator.project([box[0], box[1]]), p1 = mercator.project([box[2], box[3]]);
      this.aspect = Math.abs((p1[0] - p0[0]) / (p1[1] - p0[1])) || 1;
      this.refBox = box;
      var box2 = this.layout();
      opt.geo = {
        map: name, projection: mercator, roam: true, scaleLimit: { min: 0.7, max: 60 },
        left: box2.left, top: box2.top, width: box2.width, height: box2.height,
        label: { show: false },
        itemStyle: { areaColor: onTiles ? "rgba(255,255,255,0.12)" : "#eef3f7", borderColor: "#78909c", borderWidth: 1 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: onTiles ? "rgba(255,255,255,0.3)" : "#dde8f1" } },
        select: { disabled: true },
        tooltip: { show: true },
        silent: false
      };
      // Town names as a label-only series above the points, at each
      // town's label point (GeoJSON "cp") or the middle of its box.
      series.push({
        type: "scatter", name: "towns", coordinateSystem: "geo", silent: true, symbolSize: 0, z: 8,
        tooltip: { show: false },
        label: { show: true, formatter: "{b}", color: "#263238", fontSize: small ? 11 : 13, fontWeight: "bold",
          textBorderColor: "#fff", textBorderWidth: 3 },
        labelLayout: { hideOverlap: true },
        data: towns.map(function (f) {
          var cp = f.properties.cp;
          if (!cp) {
            var b = geomBox(f.geometry, [Infinity, Infinity, -Infinity, -Infinity]);
            cp = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
          }
          return { name: f.properties.name, value: cp };
        })
      });
      if (border.length) {
        series.unshift({
          type: "lines", name: "border", coordinateSystem: "geo", polyline: true, silent: true, z: 3,
          data: outerRings(border[0].geometry).map(function (r) { return { coords: r }; }),
          lineStyle: { color: "#b71c1c", width: 2.5, opacity: 0.85 }
        });
        if (focusAt) { focusAt.series++; }
      }
      this.geo = geo;
    } else {
      opt.grid = { top: 44, bottom: 40, left: 64, right: 24 };
      // A margin around the points, so none sits on an axis.
      var pad = function (lo) {
        return function (v) {
          var m = Math.max((v.max - v.min) * 0.06, 0.002);
          return Math.round((lo ? v.min - m : v.max + m) * 1000) / 1000;
        };
      };
      var ends = { showMinLabel: false, showMaxLabel: false };
      opt.xAxis = { type: "value", scale: true, min: pad(true), max: pad(false), axisLabel: ends, name: t.lng, nameLocation: "middle", nameGap: 26 };
      opt.yAxis = { type: "value", scale: true, min: pad(true), max: pad(false), axisLabel: ends, name: t.lat, nameLocation: "middle", nameGap: 44 };
      opt.dataZoom = [{ type: "inside", xAxisIndex: 0 }, { type: "inside", yAxisIndex: 0 }];
    }
    this.option = opt;
    this.focusAt = focusAt;
    this.chart.setOption(opt, true);
    this.initialView();

    this.chart.on("click", function (p) {
      // A tap shows the tooltip (with its link); a mouse click opens.
      var ev = p.event && p.event.event;
      var touch = ev && (ev.pointerType === "touch" || String(ev.type).indexOf("touch") === 0);
      if (p.componentType !== "series" || !p.data || touch) { return; }
      var link = safeLink(p.data.link);
      if (link) { window.location.href = link; }
    });
    var redraw = function () { self.scheduleTiles(); };
    this.chart.on("georoam", redraw);
    window.addEventListener("resize", function () {
      self.chart.resize();
      if (self.geo) {
        var b = self.layout();
        self.option.geo.left = b.left; self.option.geo.top = b.top; self.option.geo.width = b.width; self.option.geo.height = b.height;
        self.chart.setOption({ geo: b });
      }
      self.scheduleTiles();
    });
    var reset = document.getElementById("map-reset");
    if (reset) {
      reset.addEventListener("click", function () {
        self.chart.setOption(self.option, true);
        self.initialView();
      });
    }
  };

  // layout returns the geo component's box: as large as the chart allows
  // below the legend, keeping the outline's aspect (ECharts ignores the
  // aspect when left, right, top and bottom are all given).
  MapView.prototype.layout = function () {
    var W = this.chart.getWidth(), H = this.chart.getHeight();
    var w = Math.max(W - 16, 50), h = Math.max(H - 52, 50), width, height;
    if (w / h > this.aspect) {
      height = h; width = h * this.aspect;
    } else {
      width = w; height = w / this.aspect;
    }
    return { left: (W - width) / 2, top: 40 + (h - height) / 2, width: width, height: height };
  };

  // roamTo moves the geo view so lng/lat is in the middle, at zoom times
  // the current scale.
  MapView.prototype.roamTo = function (lnglat, zoom) {
    var c = this.chart;
    var px = c.convertToPixel({ geoIndex: 0 }, lnglat);
    if (!px) { return; }
    var w = c.getWidth(), h = c.getHeight();
    var cx = w / 2, cy = 40 + (h - 52) / 2;
    c.dispatchAction({ type: "geoRoam", componentType: "geo", geoIndex: 0, dx: cx - px[0], dy: cy - px[1] });
    if (zoom && zoom !== 1) {
      c.dispatchAction({ type: "geoRoam", componentType: "geo", geoIndex: 0, zoom: zoom, originX: cx, originY: cy });
    }
  };

  // initialView centres on the focused record, else on the selected or
  // the user's own town, else shows the whole county.
  MapView.prototype.initialView = function () {
    var self = this;
    if (this.geo && this.focusAt) {
      this.roamTo(this.focusAt.point.value, 4);
    } else if (this.geo && this.town) {
      var f = this.geo.features.filter(function (x) { return x.properties && x.properties.code === self.town; })[0];
      if (f) {
        var b = geomBox(f.geometry, [Infinity, Infinity, -Infinity, -Infinity]);
        var p0 = this.chart.convertToPixel({ geoIndex: 0 }, [b[0], b[3]]);
        var p1 = this.chart.convertToPixel({ geoIndex: 0 }, [b[2], b[1]]);
        if (p0 && p1) {
          var zoom = Math.min(this.chart.getWidth() / Math.max(p1[0] - p0[0], 1), (this.chart.getHeight() - 52) / Math.max(p1[1] - p0[1], 1)) * 0.85;
          this.roamTo([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], Math.max(1, Math.min(zoom, 8)));
        }
      }
    }
    if (this.focusAt) {
      var fa = this.focusAt;
      window.setTimeout(function () {
        self.chart.dispatchAction({ type: "showTip", seriesIndex: fa.series, dataIndex: fa.index });
      }, 50);
    }
    this.scheduleTiles();
  };

  // Tiles

  MapView.prototype.scheduleTiles = function () {
    if (!this.tilesURL || !this.canvas || !this.geo || this.frame) { return; }
    var self = this;
    this.frame = window.requestAnimationFrame(function () { self.frame = 0; self.drawTiles(); });
  };

  function lng2x(lng, n) { return Math.floor((lng + 180) / 360 * n); }
  function lat2y(lat, n) {
    var r = lat * RAD;
    return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
  }
  function x2lng(x, n) { return x / n * 360 - 180; }
  function y2lat(y, n) { return Math.atan(Math.sinh(Math.PI * (1 - 2 * y / n))) / RAD; }

  MapView.prototype.drawTiles = function () {
    var c = this.chart, cv = this.canvas;
    var w = c.getWidth(), h = c.getHeight(), dpr = window.devicePixelRatio || 1;
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
    }
    var ctx = cv.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    // The view is linear in projected coordinates: two reference points
    // give pixel → lng/lat (convertFromPixel answers projected values).
    var b = this.refBox, A = [b[0], b[1]], B = [b[2], b[3]];
    var pa = c.convertToPixel({ geoIndex: 0 }, A), pb = c.convertToPixel({ geoIndex: 0 }, B);
    if (!pa || !pb || pb[0] === pa[0] || pb[1] === pa[1]) { return; }
    var qa = mercator.project(A), qb = mercator.project(B);
    var sx = (pb[0] - pa[0]) / (qb[0] - qa[0]), sy = (pb[1] - pa[1]) / (qb[1] - qa[1]);
    var toLngLat = function (px, py) {
      return mercator.unproject([qa[0] + (px - pa[0]) / sx, qa[1] + (py - pa[1]) / sy]);
    };
    var tl = toLngLat(0, 0), br = toLngLat(w, h);
    if (!(br[0] > tl[0])) { return; }
    // The zoom where one tile is about 256 px wide on screen.
    var z = Math.round(Math.log(w / (br[0] - tl[0]) * 360 / 256) / Math.LN2);
    z = Math.max(0, Math.min(18, z));
    var n, x0, x1, y0, y1;
    for (;;) {
      n = Math.pow(2, z);
      x0 = Math.max(0, lng2x(tl[0], n)); x1 = Math.min(n - 1, lng2x(br[0], n));
      y0 = Math.max(0, lat2y(Math.min(tl[1], 85), n)); y1 = Math.min(n - 1, lat2y(Math.max(br[1], -85), n));
      if ((x1 - x0 + 1) * (y1 - y0 + 1) <= 120 || z === 0) { break; }
      z--;
    }
    for (var x = x0; x <= x1; x++) {
      for (var y = y0; y <= y1; y++) {
        this.tile(ctx, z, x, y, n);
      }
    }
  };

  // tile paints one tile, or while it loads the matching part of a
  // coarser tile already loaded; a tile that arrives redraws the view.
  MapView.prototype.tile = function (ctx, z, x, y, n) {
    var self = this, c = this.chart;
    var a = c.convertToPixel({ geoIndex: 0 }, [x2lng(x, n), y2lat(y, n)]);
    var b = c.convertToPixel({ geoIndex: 0 }, [x2lng(x + 1, n), y2lat(y + 1, n)]);
    if (!a || !b) { return; }
    var px = Math.floor(a[0]), py = Math.floor(a[1]), pw = Math.ceil(b[0]) - px, ph = Math.ceil(b[1]) - py;
    var img = this.images[z + "/" + x + "/" + y];
    if (img && img.complete && img.naturalWidth) {
      ctx.drawImage(img, px, py, pw, ph);
      return;
    }
    if (!img) {
      img = new Image();
      img.decoding = "async";
      img.addEventListener("load", function () { self.scheduleTiles(); });
      img.addEventListener("error", function () {
        self.tileErrors++;
        if (self.tileErrors === 1 && self.summary) {
          self.summary.textContent += " · " + self.t.tiles_failed;
        }
      });
      img.src = this.tilesURL + z + "/" + x + "/" + y;
      this.images[z + "/" + x + "/" + y] = img;
    }
    for (var k = 1; k <= 4 && k <= z; k++) {
      var up = this.images[(z - k) + "/" + (x >> k) + "/" + (y >> k)];
      if (up && up.complete && up.naturalWidth) {
        var part = up.naturalWidth / (1 << k);
        ctx.drawImage(up, (x - ((x >> k) << k)) * part, (y - ((y >> k) << k)) * part, part, part, px, py, pw, ph);
        return;
      }
    }
  };

  function start() {
    var el = document.getElementById("map");
    if (!el || el._map || !window.echarts) { return; }
    el._map = new MapView(el);
    el._map.load();
  }
  document.addEventListener("DOMContentLoaded", start);
  if (document.readyState !== "loading") { start(); }
})();
