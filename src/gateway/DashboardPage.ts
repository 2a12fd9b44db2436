/**
 * The dashboard page: one self-contained HTML document (inline CSS and
 * script, no build step, no external resource), fed by
 * `/dashboard/events`. A compact card per backend so eleven fit on a
 * 1280×800 screen: breaker, in flight, queue, requests by priority, latency
 * p50/p95/p99, tokens, fallbacks, keys and the latest calls. Text is set
 * with `textContent`, never parsed as HTML.
 *
 * @since 0.1.0
 */

const style = `
*{box-sizing:border-box}body{margin:0;font:12px/1.35 system-ui,sans-serif;background:#0f1419;color:#d8dee4}
header{display:flex;gap:16px;align-items:baseline;padding:6px 12px;border-bottom:1px solid #2a323b}
header h1{font-size:15px;margin:0}#status{color:#8b98a5}#clients{color:#8b98a5;font-size:11px}
main{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;padding:8px}
.card{background:#161d24;border:1px solid #2a323b;border-radius:6px;padding:6px 8px;min-height:0;overflow:hidden}
.card h2{font-size:13px;margin:0;display:flex;justify-content:space-between;gap:6px}
.card .prov{color:#8b98a5;font-weight:normal}
.badge{padding:0 6px;border-radius:8px;font-size:11px;font-weight:600}
.closed{background:#1f4d2e;color:#8ee6a8}.half_open{background:#5a4a12;color:#ffd866}.open{background:#6b1f24;color:#ff9aa2}
dl{display:grid;grid-template-columns:auto 1fr auto 1fr;gap:0 6px;margin:4px 0}dt{color:#8b98a5}dd{margin:0;font-variant-numeric:tabular-nums}
.keys,.recent{font-size:11px;color:#b5c0cb;margin:2px 0 0;padding:0;list-style:none}
.recent li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.failure{color:#ff9aa2}.interrupted{color:#ffd866}
`

const script = `
const main = document.querySelector("main"), status = document.getElementById("status"), clients = document.getElementById("clients")
const cards = new Map()
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e }
const card = (name) => {
  let c = cards.get(name)
  if (c) return c
  const root = el("section", "card"); root.dataset.backend = name
  const h = el("h2"); const title = el("span"); const badge = el("span", "badge"); h.append(title, badge)
  const dl = el("dl"); const keys = el("ul", "keys"); const recent = el("ul", "recent")
  root.append(h, dl, keys, recent); main.append(root)
  c = { root, title, badge, dl, keys, recent }; cards.set(name, c); return c
}
const pair = (dl, k, v) => { dl.append(el("dt", "", k), el("dd", "", String(v))) }
const ms = (v) => v >= 100 ? Math.round(v) + "ms" : (Math.round(v * 10) / 10) + "ms"
const render = (s) => {
  status.textContent = "live · " + new Date(s.time).toLocaleTimeString()
  clients.textContent = s.clients.map((c) => c.name + " " + c.requests + " req, " + c.inFlight + " in flight" + (c.rejected ? ", " + c.rejected + " refused" : "")).join(" · ")
  for (const b of s.backends) {
    const c = card(b.name)
    c.root.dataset.breaker = b.breaker
    c.title.replaceChildren(el("span", "", b.name + " "), el("span", "prov", b.provider))
    c.badge.className = "badge " + b.breaker; c.badge.textContent = b.breaker.replace("_", " ")
    c.dl.replaceChildren()
    const prio = b.requestsByPriority || {}
    const tokens = Object.values(b.tokens || {}).reduce((a, t) => [a[0] + t.input, a[1] + t.output], [0, 0])
    pair(c.dl, "in flight", b.inFlight); pair(c.dl, "queued", b.queueDepth)
    pair(c.dl, "ok/fail", b.succeeded + "/" + b.failed); pair(c.dl, "trips", b.breakerTrips)
    pair(c.dl, "hi/norm/lo", (prio.high || 0) + "/" + (prio.normal || 0) + "/" + (prio.low || 0)); pair(c.dl, "p50", ms(b.latency.p50))
    pair(c.dl, "p95", ms(b.latency.p95)); pair(c.dl, "p99", ms(b.latency.p99))
    pair(c.dl, "tokens", tokens[0] + "→" + tokens[1]); pair(c.dl, "fallback", b.fallbacksFrom + "↑ " + b.fallbacksTo + "↓")
    c.keys.replaceChildren(...b.keys.map((k) => el("li", k.state === "active" ? "" : "failure", "key " + k.name + ": " + k.state + (k.reason ? " (" + k.reason + ")" : ""))))
    c.recent.replaceChildren(...b.recent.slice(0, 3).map((r) => el("li", r.outcome, r.operation + " " + (r.model || "") + " " + r.outcome + (r.reason ? " " + r.reason : "") + " " + r.ms + "ms")))
  }
}
const connect = () => {
  const source = new EventSource("/dashboard/events")
  source.onmessage = (e) => render(JSON.parse(e.data))
  source.onerror = () => { status.textContent = "reconnecting…" }
}
connect()
`

/**
 * The page.
 *
 * @since 0.1.0
 */
export const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gateway dashboard</title><style>${style}</style></head>
<body><header><h1>effect-llm-backends gateway</h1><span id="status">connecting…</span><span id="clients"></span></header>
<main></main><script>${script}</script></body></html>`
