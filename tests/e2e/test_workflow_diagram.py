"""The rules screen's workflow diagram, laid out in the browser by the vendored elkjs: SIPPT's whole
workflow on one screen, every state present, every action label on its own edge, no box text cut."""
from __future__ import annotations

from tests.e2e.helpers import staff_login

CHECK = """() => {
  const svg = document.querySelector('[data-workflow-canvas] svg');
  const inside = (inner, outer, slack) => inner.x >= outer.x - slack && inner.y >= outer.y - slack &&
      inner.x + inner.width <= outer.x + outer.width + slack && inner.y + inner.height <= outer.y + outer.height + slack;
  const states = [...svg.querySelectorAll('g.state')].map(g => g.dataset.state);
  const cut = [];
  for (const g of svg.querySelectorAll('g.state, g.edge-label')) {
    const box = g.querySelector('rect').getBBox();
    for (const t of g.querySelectorAll('text')) if (!inside(t.getBBox(), box, 1)) cut.push(t.textContent);
  }
  const offEdge = [];
  for (const label of svg.querySelectorAll('g.edge-label')) {
    const r = label.querySelector('rect').getBBox();
    const edge = svg.querySelector(`g.edge[data-id="${label.dataset.edge}"]`);
    const points = [];
    for (const path of edge.querySelectorAll('path')) {
      for (const m of path.getAttribute('d').matchAll(/(-?[\\d.]+),(-?[\\d.]+)/g)) points.push([+m[1], +m[2]]);
    }
    // the edge's polyline crosses the label's box
    let crosses = false;
    for (let i = 0; i + 1 < points.length && !crosses; i++) {
      const [x1, y1] = points[i], [x2, y2] = points[i + 1];
      const steps = Math.max(1, Math.ceil(Math.hypot(x2 - x1, y2 - y1)));  // every pixel of the segment
      for (let s = 0; s <= steps; s++) {
        const x = x1 + (x2 - x1) * s / steps, y = y1 + (y2 - y1) * s / steps;
        if (x >= r.x - 1 && x <= r.x + r.width + 1 && y >= r.y - 1 && y <= r.y + r.height + 1) { crosses = true; break; }
      }
    }
    if (!crosses) offEdge.push(label.textContent);
  }
  const shown = svg.getBoundingClientRect();
  const overlaps = [];
  const boxes = [...svg.querySelectorAll('g.state rect, g.edge-label rect')].map(r => r.getBBox());
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.x + 1 < b.x + b.width && b.x + 1 < a.x + a.width && a.y + 1 < b.y + b.height && b.y + 1 < a.y + a.height) overlaps.push([i, j]);
  }
  return {states, cut, offEdge, overlaps, labels: svg.querySelectorAll('g.edge-label').length,
          edges: svg.querySelectorAll('g.edge').length, width: shown.width, height: shown.height,
          scale: shown.width / svg.viewBox.baseVal.width, bottom: shown.bottom};
}"""


def test_sippt_diagram_fits_one_screen_with_every_state_and_label(browser, live_server, app, factories, rules_data):
    workflow = rules_data["workflows"][rules_data["services"]["sippt_pengujian"]["workflow"]]
    edges = sum(len(t["from"]) for t in workflow["transitions"])
    _user_id, username = factories.staff("sippt", "cs")
    context = browser.new_context(base_url=live_server, viewport={"width": 1920, "height": 1080}, locale="id-ID")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        staff_login(page, username)
        page.goto("/backoffice/aturan/?service=sippt_pengujian")
        page.wait_for_selector("[data-workflow-diagram][data-layout=elk]", timeout=20000)
        result = page.evaluate(CHECK)
        page.locator("[data-workflow-canvas]").screenshot(path=str(_artifact("sippt-diagram.png")))
    finally:
        context.close()
    assert errors == []
    assert sorted(result["states"]) == sorted(workflow["states"])
    assert result["edges"] == edges and result["labels"] == edges
    assert (result["cut"], result["offEdge"], result["overlaps"]) == ([], [], []), {k: result[k] for k in ("cut", "offEdge", "overlaps", "width", "height", "scale")}
    # one (Full HD) screen: the whole diagram within the viewport, its 11 px text shown at 85 % or more
    assert result["height"] <= 1080 and result["scale"] >= 0.85, {k: result[k] for k in ("width", "height", "scale")}


def _artifact(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
