/* Workflow diagrams laid out by ELK (vendored elkjs, static/backoffice/vendor/elkjs, EPL-2.0).
 *
 * The page holds the workflow as JSON (<script type="application/json" data-workflow-graph>, written by
 * app/reports/svg.py workflow_graph) next to a server-drawn fallback. ELK's layered algorithm places the
 * states top to bottom, wraps long workflows into side-by-side columns so they fit the screen, and puts
 * every action label on its own edge; boxes are sized to their text, which is never cut.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var FONT = "11px Helvetica, Arial, sans-serif";
  var BOLD = "bold 11px Helvetica, Arial, sans-serif";
  var LINE = 14, PAD_X = 10, PAD_Y = 8, BOX_MIN_W = 150, LABEL_LINE = 12;

  var canvas = document.createElement("canvas").getContext("2d");
  function textWidth(text, font) {
    canvas.font = font;
    return canvas.measureText(text).width;
  }
  function widest(lines, font) {
    return Math.max.apply(null, lines.map(function (l) { return textWidth(l, font); }).concat([0]));
  }

  function elkGraph(data, aspect) {
    return {
      id: "root",
      layoutOptions: {
        "elk.algorithm": "layered",
        "elk.direction": "DOWN",
        "elk.aspectRatio": String(aspect),
        "elk.layered.wrapping.strategy": "MULTI_EDGE",
        "elk.layered.wrapping.additionalEdgeSpacing": "20",
        "elk.edgeRouting": "ORTHOGONAL",
        "elk.spacing.nodeNode": "24",
        "elk.layered.spacing.nodeNodeBetweenLayers": "20",
        "elk.spacing.edgeLabel": "4",
        "elk.spacing.edgeEdge": "12",
        "elk.layered.spacing.edgeNodeBetweenLayers": "10",
        "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
        // the rules list states in the order of the process: edges against that order are the returns
        "elk.layered.cycleBreaking.strategy": "MODEL_ORDER",
        "elk.edgeLabels.inline": "true",
        "elk.padding": "[top=12,left=12,bottom=12,right=12]"
      },
      children: data.nodes.map(function (n) {
        var lines = n.sla ? n.lines.concat([n.sla]) : n.lines;
        return {id: n.id, layoutOptions: n.initial ? {"elk.layered.layering.layerConstraint": "FIRST"} : {},
                width: Math.max(BOX_MIN_W, widest(lines, BOLD) + 2 * PAD_X),
                height: lines.length * LINE + 2 * PAD_Y};
      }),
      edges: data.edges.map(function (e) {
        return {id: e.id, sources: [e.source], targets: [e.target],
                labels: [{text: e.lines.join(" "), width: widest(e.lines, FONT) + 6,
                          height: e.lines.length * LABEL_LINE + 4,
                          layoutOptions: {"elk.edgeLabels.placement": "CENTER", "elk.edgeLabels.inline": "true"}}]};
      })
    };
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function title(parent, text) { el("title", {}, parent).textContent = text; }

  function draw(data, layout) {
    var width = Math.ceil(layout.width), height = Math.ceil(layout.height);
    var svg = el("svg", {"class": "workflow-diagram", viewBox: "0 0 " + width + " " + height,
                         width: width, height: height, role: "img",
                         style: "font-family:Helvetica,Arial,sans-serif;font-size:11px;max-width:100%;height:auto"});
    var defs = el("defs", {}, svg);
    var marker = el("marker", {id: "wf-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7",
                               markerHeight: "7", orient: "auto-start-reverse"}, defs);
    el("path", {d: "M0,0 L10,5 L0,10 z", fill: "#555"}, marker);
    var byId = {};
    data.edges.forEach(function (e) { byId[e.id] = e; });
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var edgeLayer = el("g", {"class": "edges"}, svg), labelLayer = el("g", {"class": "edge-labels"}, svg);
    var nodeLayer = el("g", {"class": "states"}, svg);
    layout.edges.forEach(function (edge) {
      var info = byId[edge.id];
      var g = el("g", {"class": "edge", "data-id": edge.id, "data-source": info.source, "data-target": info.target}, edgeLayer);
      title(g, info.lines.join(" ") + " — " + info.who);
      (edge.sections || []).forEach(function (s) {
        var points = [s.startPoint].concat(s.bendPoints || [], [s.endPoint]);
        el("path", {d: "M" + points.map(function (p) { return p.x + "," + p.y; }).join(" L"), fill: "none",
                    stroke: "#888", "stroke-width": "1.2", "marker-end": "url(#wf-arrow)"}, g);
      });
      (edge.labels || []).forEach(function (label) {
        var lg = el("g", {"class": "edge-label", "data-edge": edge.id}, labelLayer);
        title(lg, info.lines.join(" ") + " — " + info.who);
        el("rect", {x: label.x, y: label.y, width: label.width, height: label.height, rx: 3,
                    fill: "#fff", "fill-opacity": "0.9", stroke: "#ddd"}, lg);
        info.lines.forEach(function (line, i) {
          var t = el("text", {x: label.x + label.width / 2, y: label.y + 2 + (i + 1) * LABEL_LINE - 3,
                              "text-anchor": "middle", fill: "#333", "font-size": "11"}, lg);
          t.textContent = line;
        });
      });
    });
    layout.children.forEach(function (box) {
      var info = byId[box.id];
      var colours = info.colours;
      var g = el("g", {"class": "state", "data-state": box.id}, nodeLayer);
      title(g, box.id);
      el("rect", {x: box.x, y: box.y, width: box.width, height: box.height, rx: 8, fill: colours[0],
                  stroke: colours[1], "stroke-width": info.initial ? 3 : 1.5}, g);
      var lines = info.sla ? info.lines.concat([info.sla]) : info.lines;
      lines.forEach(function (line, i) {
        var isSla = info.sla && i === lines.length - 1;
        var t = el("text", {x: box.x + box.width / 2, y: box.y + PAD_Y + (i + 1) * LINE - 3, "text-anchor": "middle",
                            fill: colours[1], "font-weight": isSla ? "normal" : "bold",
                            "font-size": isSla ? "10" : "11"}, g);
        t.textContent = line;
      });
    });
    return svg;
  }

  // every segment of every routed edge horizontal or vertical (what ORTHOGONAL routing promises)
  function orthogonal(layout) {
    return (layout.edges || []).every(function (edge) {
      return (edge.sections || []).every(function (s) {
        var points = [s.startPoint].concat(s.bendPoints || [], [s.endPoint]);
        for (var i = 0; i + 1 < points.length; i++) {
          if (Math.abs(points[i].x - points[i + 1].x) > 0.5 && Math.abs(points[i].y - points[i + 1].y) > 0.5) return false;
        }
        return true;
      });
    });
  }

  function render(holder) {
    var source = holder.querySelector("script[data-workflow-graph]");
    var target = holder.querySelector("[data-workflow-canvas]");
    if (!source || !target) return;
    if (typeof ELK === "undefined") {  // the vendored script did not load: the server's drawing stays
      holder.setAttribute("data-layout", "fallback");
      return;
    }
    var data = JSON.parse(source.textContent);
    // ELK's wrapping undershoots the asked ratio (label layers add height): ask for a wider one
    var aspect = 1.6 * Math.max(1, (target.clientWidth || 1100) / Math.max(400, window.innerHeight - 60));
    // ELK's edge wrapping now and then leaves a wrapped edge as one diagonal stroke away from its
    // label (seen with some fonts' text widths): try a few nearby ratios, keep the first clean layout
    var ratios = [aspect, aspect * 1.15, aspect * 0.9, aspect * 1.3, aspect * 0.8];
    function attempt(i) {
      return new ELK().layout(elkGraph(data, ratios[i])).then(function (layout) {
        return orthogonal(layout) || i + 1 >= ratios.length ? layout : attempt(i + 1);
      });
    }
    attempt(0).then(function (layout) {
      var svg = draw(data, layout);
      svg.setAttribute("aria-label", holder.getAttribute("data-label") || "");
      target.innerHTML = "";
      target.appendChild(svg);
      holder.setAttribute("data-layout", "elk");
    }).catch(function (error) {
      holder.setAttribute("data-layout", "fallback");
      var note = document.createElement("p");
      note.className = "text-muted small";
      note.setAttribute("role", "status");
      note.textContent = holder.getAttribute("data-fallback-message") || "";
      target.insertBefore(note, target.firstChild);
      if (window.console) console.error("workflow diagram layout failed", error);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-workflow-diagram]"), render);
  });
})();
