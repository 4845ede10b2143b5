// SPDX-License-Identifier: Apache-2.0
// noxgraph's graph page. It reads the documents `noxgraph graph --format json` and
// `noxgraph affected --format json` print, embedded in the page, and draws them: packages
// by level, a search, the transitive dependencies and dependents of the one selected (over
// the edge kinds ticked), cycles, and the affected set with each package's reason.
"use strict";
(function () {
  const KINDS = ["runtime", "optional", "group", "dev", "build"];
  const data = JSON.parse(document.getElementById("noxgraph-data").textContent);
  const graph = data.graph;
  const affected = data.affected;
  const packages = graph.packages;
  const index = new Map(packages.map((pkg, i) => [pkg.name, i]));
  // outgoing[i]: the edges i declares; incoming[i]: the edges that name i.
  const outgoing = packages.map(() => []);
  const incoming = packages.map(() => []);
  for (const edge of graph.edges) {
    const source = index.get(edge.from);
    const target = index.get(edge.to);
    outgoing[source].push({ other: target, edge });
    incoming[target].push({ other: source, edge });
  }
  const kinds = KINDS.filter((kind) => graph.edges.some((edge) => edge.kind === kind));
  const ticked = new Set(kinds);
  const cycleOf = new Map();
  graph.cycles.forEach((cycle, number) => cycle.forEach((name) => cycleOf.set(name, number)));
  const reasons = new Map(affected ? affected.affected.map((pkg) => [pkg.name, pkg]) : []);

  const $ = (id) => document.getElementById(id);
  const element = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const count = (number, noun) => `${number} ${noun}${number === 1 ? "" : "s"}`;
  const some = (items, limit = 3) =>
    items.slice(0, limit).join(", ") + (items.length > limit ? ` and ${items.length - limit} more` : "");

  // -- levels -------------------------------------------------------------------------------

  // With a cycle among the ordering edges there is no build order: packages are then placed
  // by the longest chain of dependencies below them, each cycle on one level.
  function fallbackLevels() {
    const component = packages.map((_, i) => i);
    graph.cycles.forEach((cycle) => {
      const first = index.get(cycle[0]);
      cycle.forEach((name) => { component[index.get(name)] = first; });
    });
    // The cycles are every strongly connected component, so the components form no cycle.
    const users = new Map(component.map((c) => [c, new Set()]));
    const waiting = new Map(component.map((c) => [c, 0]));
    packages.forEach((_, i) => {
      for (const link of outgoing[i]) {
        const user = component[i];
        const used = component[link.other];
        if (user !== used && !users.get(used).has(user)) {
          users.get(used).add(user);
          waiting.set(user, waiting.get(user) + 1);
        }
      }
    });
    const level = new Map();
    const ready = [...waiting].filter(([, count]) => count === 0).map(([c]) => c);
    ready.forEach((c) => level.set(c, 0));
    while (ready.length) {
      const c = ready.pop();
      for (const user of users.get(c)) {
        level.set(user, Math.max(level.get(user) || 0, level.get(c) + 1));
        waiting.set(user, waiting.get(user) - 1);
        if (waiting.get(user) === 0) ready.push(user);
      }
    }
    const levels = [];
    packages.forEach((pkg, i) => {
      const at = level.get(component[i]);
      (levels[at] = levels[at] || []).push(pkg.name);
    });
    return levels.map((names) => names.sort());
  }

  // Within a level, each package sits near the mean place of its dependencies on the levels
  // above (one barycentre sweep), so the edges of a selection cross less.
  function ordered(levels) {
    const place = new Map();
    return levels.map((names) => {
      const weight = (name) => {
        const spots = outgoing[index.get(name)]
          .map((link) => place.get(link.other)).filter((spot) => spot !== undefined);
        return spots.length ? spots.reduce((a, b) => a + b, 0) / spots.length : 0.5;
      };
      const weights = new Map(names.map((name) => [name, weight(name)]));
      const sorted = [...names].sort((a, b) => weights.get(a) - weights.get(b) || (a < b ? -1 : 1));
      sorted.forEach((name, at) => place.set(index.get(name), (at + 0.5) / sorted.length));
      return sorted;
    });
  }

  const levels = ordered(graph.levels.length ? graph.levels : fallbackLevels());
  const buttons = new Array(packages.length);

  // A cycle is shown as one shortest path through it, closed, as `noxgraph graph` shows it;
  // a larger set of packages that reach each other says how many it joins.
  function among(number) {
    const path = graph.cycle_paths[number];
    const size = graph.cycles[number].length;
    return path.length - 1 < size ? ` (one of the cycles among ${size} packages)` : "";
  }

  function cycleText(name) {
    const number = cycleOf.get(name);
    const path = graph.cycle_paths[number];
    if (path.includes(name)) return `a cycle: ${path.join(" -> ")}${among(number)}`;
    return `a cycle among ${graph.cycles[number].length} packages, one of them: ${path.join(" -> ")}`;
  }

  function tooltip(pkg) {
    const lines = [`${pkg.name} ${pkg.version || "(dynamic version)"}`, pkg.path];
    const why = reasons.get(pkg.name);
    if (why) lines.push(`affected: ${explain(why)}`);
    if (cycleOf.has(pkg.name)) lines.push(`in ${cycleText(pkg.name)}`);
    return lines.join("\n");
  }

  function render() {
    const fragment = document.createDocumentFragment();
    levels.forEach((names, number) => {
      const row = element("div", { className: "row" });
      for (const name of names) {
        const i = index.get(name);
        const button = element("button", { type: "button", className: "pkg", title: tooltip(packages[i]) }, name);
        button.dataset.name = name;
        if (cycleOf.has(name)) button.classList.add("in-cycle");
        const why = reasons.get(name);
        if (why) button.classList.add("affected", ...(why.reason === "dependency" ? [] : ["changed"]));
        buttons[i] = button;
        row.append(button);
      }
      fragment.append(element("section", { className: "level" },
        element("h2", {}, `level ${number}`, element("br"), `${names.length}`), row));
    });
    $("levels").append(fragment);
    const list = document.createDocumentFragment();
    for (const pkg of packages) list.append(element("option", { value: pkg.name }));
    $("names").append(list);
  }

  // -- what the page says ----------------------------------------------------------------

  // What each step from a package to a dependency is, where it is not a run-time one,
  // over the edges the answer counts, as `noxgraph affected --explain` labels it.
  const hops = new Map();
  if (affected) {
    const byPair = new Map();
    for (const edge of graph.edges) {
      if (!affected.kinds.includes(edge.kind)) continue;
      const key = `${edge.from}\u0000${edge.to}`;
      if (!byPair.has(key)) byPair.set(key, []);
      byPair.get(key).push(edge);
    }
    for (const [key, between] of byPair) {
      if (between.some((edge) => edge.kind === "runtime")) continue;
      hops.set(key, between.map((edge) => (edge.groups.length ? `${edge.kind}: ${edge.groups.join(", ")}` : edge.kind)).join("; "));
    }
  }

  function explain(pkg) {
    const path = [pkg.name, ...pkg.via];
    const via = pkg.via.map((name, n) => {
      const label = hops.get(`${path[n]}\u0000${name}`);
      return label ? `${name} [${label}]` : name;
    }).join(" -> ");
    switch (pkg.reason) {
      case "changed": return `changed: ${some(pkg.files)}`;
      case "global":
        return pkg.files.length ? `global file changed: ${some(pkg.files)}`
          : "no base to compare with (--if-base-missing all)";
      case "locked": return `locked dependencies changed: ${some(pkg.locked.map((hit) => hit.name))} (${pkg.files.join(", ")})`;
      case "lock-unreadable": return `lock not compared, so all it covers is affected: ${pkg.problem}`;
      case "deleted-dependency": return `depends on ${via}, deleted since the base`;
      default: return `depends on ${via} (changed)`;
    }
  }

  function summary() {
    const parts = [[count(packages.length, "package"), count(graph.edges.length, "edge"),
      count(levels.length, "level"), count(graph.cycles.length, "cycle")].join(", ")];
    if (affected) {
      const base = affected.source === "files" ? "the files named" : `since ${affected.base || "the base"}`;
      const task = affected.task ? ` for task ${affected.task}` : "";
      parts.push(`${affected.affected.length} affected ${base}${task} (over ${affected.kinds.join(", ") || "no"} edges)`);
    }
    $("summary").textContent = parts.join("; ");
    if (!graph.levels.length && graph.cycles.length) {
      const banner = $("banner");
      banner.hidden = false;
      banner.textContent = "No build order: a cycle runs through ordering edges. Packages are placed"
        + " by the longest chain below them instead, each cycle on one level.";
    }
  }

  function kindBoxes() {
    const counts = new Map(kinds.map((kind) => [kind, 0]));
    graph.edges.forEach((edge) => counts.set(edge.kind, counts.get(edge.kind) + 1));
    for (const kind of kinds) {
      const box = element("input", { type: "checkbox", checked: true, value: kind });
      box.addEventListener("change", () => {
        if (box.checked) ticked.add(kind); else ticked.delete(kind);
        mark();
      });
      $("kinds").append(element("label", {}, box,
        element("span", { className: "swatch", style: `background: var(--${kind})` }),
        `${kind} (${counts.get(kind)})`));
    }
  }

  // -- selection ---------------------------------------------------------------------------

  let selected = null;

  // Every package reachable from `start` over ticked edges; `start` itself only when a
  // cycle leads back to it, as DependencyGraph.dependencies(transitive=True) leaves it out.
  function reach(start, adjacency) {
    const seen = new Set([start]);
    const queue = [start];
    while (queue.length) {
      const node = queue.pop();
      for (const link of adjacency[node]) {
        if (ticked.has(link.edge.kind) && !seen.has(link.other)) {
          seen.add(link.other);
          queue.push(link.other);
        }
      }
    }
    seen.delete(start);
    return seen;
  }

  const direct = (adjacency, i) => adjacency[i].filter((link) => ticked.has(link.edge.kind));

  function mark() {
    for (const button of buttons) button.classList.remove("selected", "dependency", "dependent", "direct");
    document.body.classList.toggle("has-selection", selected !== null);
    if (selected === null) {
      drawEdges([]);
      showOverview();
      return;
    }
    const dependencies = reach(selected, outgoing);
    const dependents = reach(selected, incoming);
    buttons[selected].classList.add("selected");
    dependencies.forEach((i) => buttons[i].classList.add("dependency"));
    dependents.forEach((i) => buttons[i].classList.add("dependent"));
    const down = direct(outgoing, selected);
    const up = direct(incoming, selected);
    down.concat(up).forEach((link) => buttons[link.other].classList.add("direct"));
    drawEdges([...down.map((link) => [selected, link.other, link.edge.kind]),
      ...up.map((link) => [link.other, selected, link.edge.kind])]);
    showPackage(selected, down, up, dependencies, dependents);
  }

  function select(i, scroll) {
    selected = i;
    mark();
    if (i !== null) {
      if (scroll) buttons[i].scrollIntoView({ block: "center", inline: "center" });
      history.replaceState(null, "", `#${encodeURIComponent(packages[i].name)}`);
    } else {
      history.replaceState(null, "", location.pathname + location.search);
    }
  }

  // A line from each dependent down to what it depends on, in the colour of the edge's kind.
  function drawEdges(links) {
    const svg = $("edges");
    const canvas = $("canvas");
    svg.setAttribute("width", canvas.scrollWidth);
    svg.setAttribute("height", canvas.scrollHeight);
    svg.replaceChildren();
    const centre = (i) => {
      const b = buttons[i];
      return [b.offsetLeft + b.offsetWidth / 2, b.offsetTop + b.offsetHeight / 2];
    };
    const origin = $("levels");
    for (const [from, to, kind] of links) {
      const [x1, y1] = centre(from);
      const [x2, y2] = centre(to);
      const bend = Math.max(30, Math.abs(y2 - y1) / 2);
      const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
      const dx = origin.offsetLeft;
      const dy = origin.offsetTop;
      path.setAttribute("d", `M${x1 + dx},${y1 + dy} C${x1 + dx},${y1 + dy - bend} ${x2 + dx},${y2 + dy + bend} ${x2 + dx},${y2 + dy}`);
      path.setAttribute("stroke", `var(--${kind})`);
      svg.append(path);
    }
  }

  // -- the side panel ----------------------------------------------------------------------

  const nameButton = (i) => {
    const button = element("button", { type: "button", className: "name" }, packages[i].name);
    button.addEventListener("click", () => select(i, true));
    return button;
  };
  const kindTag = (kind) => element("span", { className: "kind", style: `background: var(--${kind})` }, kind);

  function edgeList(title, links) {
    const items = links.map((link) => {
      const edge = link.edge;
      const detail = [edge.specifier, edge.extras.length ? `[${edge.extras.join(",")}]` : "",
        edge.marker ? `; ${edge.marker}` : ""].filter(Boolean).join(" ");
      return element("li", {}, nameButton(link.other), kindTag(edge.kind), detail ? ` ${detail}` : "");
    });
    return [element("h3", {}, `${title} (${links.length})`),
      items.length ? element("ul", {}, ...items) : element("p", { className: "hint" }, "none")];
  }

  function nameList(title, members) {
    const sorted = [...members].sort((a, b) => (packages[a].name < packages[b].name ? -1 : 1));
    return [element("h3", {}, `${title} (${sorted.length})`),
      sorted.length ? element("p", {}, ...sorted.flatMap((i, n) => (n ? [", ", nameButton(i)] : [nameButton(i)])))
        : element("p", { className: "hint" }, "none")];
  }

  function showPackage(i, down, up, dependencies, dependents) {
    const pkg = packages[i];
    const parts = [element("h2", {}, pkg.name),
      element("p", {}, `${pkg.version || "dynamic version"} · ${pkg.path}`)];
    if (pkg.dynamic.length) parts.push(element("p", { className: "hint" }, `dynamic: ${pkg.dynamic.join(", ")}`));
    const why = reasons.get(pkg.name);
    if (why) parts.push(element("p", { className: "reason" }, `Affected: ${explain(why)}`));
    else if (affected) parts.push(element("p", { className: "hint" }, "Not affected."));
    if (cycleOf.has(pkg.name)) {
      parts.push(element("p", { className: "hint" }, `In ${cycleText(pkg.name)}`));
    }
    parts.push(element("p", { className: "hint" }, `Over ${[...ticked].join(", ") || "no"} edges.`));
    parts.push(...edgeList("Depends on", down), ...edgeList("Depended on by", up),
      ...nameList("All dependencies", dependencies), ...nameList("All dependents", dependents));
    $("details").replaceChildren(...parts);
  }

  function showOverview() {
    const parts = [element("h2", {}, "Select a package"),
      element("p", { className: "hint" }, "Click a package, or search one by name, to see what it depends on"
        + " and what depends on it. Esc clears the selection."),
      element("p", { className: "legend" },
        element("span", {}, element("i", { style: "border-color: var(--dependency)" }), "dependency"),
        element("span", {}, element("i", { style: "border-color: var(--dependent)" }), "dependent"),
        element("span", {}, element("i", { style: "border-color: var(--cycle); border-style: dashed" }), "in a cycle"),
        affected ? element("span", {}, element("i", { style: "border-color: var(--affected-edge); background: var(--affected)" }), "affected") : "")];
    parts.push(element("h3", {}, `Cycles (${graph.cycles.length})`));
    if (graph.cycles.length) {
      parts.push(element("ul", {}, ...graph.cycles.map((cycle, number) =>
        element("li", {}, ...graph.cycle_paths[number].flatMap((name, n) => (n ? [" -> ", nameButton(index.get(name))] : [nameButton(index.get(name))])),
          among(number)))));
    } else {
      parts.push(element("p", { className: "hint" }, "none"));
    }
    if (affected) {
      parts.push(element("h3", {}, `Affected (${affected.affected.length})`));
      parts.push(element("ul", {}, ...affected.affected.map((pkg) =>
        element("li", {}, nameButton(index.get(pkg.name)), ` ${explain(pkg)}`))));
    }
    $("details").replaceChildren(...parts);
  }

  // -- search --------------------------------------------------------------------------------

  function search() {
    const query = $("search").value.trim().toLowerCase();
    let count = 0;
    let first = null;
    buttons.forEach((button, i) => {
      const hit = query !== "" && packages[i].name.includes(query);
      button.classList.toggle("match", hit);
      if (hit) {
        count += 1;
        if (first === null || packages[i].name === query) first = i;
      }
    });
    document.body.classList.toggle("searching", query !== "");
    $("matches").textContent = query ? `${count} match${count === 1 ? "" : "es"}` : "";
    return first;
  }

  function wire() {
    $("levels").addEventListener("click", (event) => {
      const button = event.target.closest(".pkg");
      if (!button) return;
      const i = index.get(button.dataset.name);
      select(i === selected ? null : i, false);
    });
    $("search").addEventListener("input", () => {
      const first = search();
      const exact = index.get($("search").value.trim().toLowerCase());
      if (exact !== undefined && first === exact) select(exact, true);
    });
    $("search").addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const first = search();
      if (first !== null) select(first, true);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      $("search").value = "";
      search();
      select(null, false);
    });
    if (affected) {
      const only = $("affected-only");
      only.hidden = false;
      only.querySelector("input").addEventListener("change", (event) => {
        document.body.classList.toggle("affected-only", event.target.checked);
      });
    }
    window.addEventListener("resize", () => mark());
  }

  summary();
  kindBoxes();
  render();
  wire();
  const asked = index.get(decodeURIComponent(location.hash.slice(1)));
  select(asked === undefined ? null : asked, true);
  // The tests and the benchmark wait for this: the first frame is painted and the page
  // answers clicks (milliseconds since navigation began).
  requestAnimationFrame(() => setTimeout(() => {
    document.body.dataset.ready = String(performance.now());
  }));
})();
