/**
 * `OLLAMA_HOST` as Ollama's own CLI reads it. The variable is usually what
 * the server was told to bind to (`0.0.0.0:11434`, `127.0.0.1:11434`,
 * `my-box`), not a URL: it may lack a scheme and a port, and `0.0.0.0` is a
 * bind address, not one to connect to.
 *
 * @since 0.1.0
 */

/**
 * Ollama's default port.
 *
 * @since 0.1.0
 */
export const DEFAULT_PORT = 11434

/**
 * Turns an `OLLAMA_HOST`-style value into a base URL:
 * - no scheme → `http://`, and no port → `:11434` (`my-box` → `http://my-box:11434`);
 * - a scheme keeps its default port (`https://proxy.example` stays as is);
 * - `ollama.com` alone → `https://ollama.com` (Ollama's hosted API, as the CLI does);
 * - `0.0.0.0` → `127.0.0.1` and `[::]` → `[::1]` (bind-all addresses are not
 *   connectable everywhere), an empty host → `127.0.0.1`;
 * - a trailing `/api` is dropped (some tools write `OLLAMA_API_URL` with it;
 *   every route here already starts with `/api/`), and so are trailing slashes.
 *
 * A value that still does not parse is returned trimmed, for the base-URL
 * check to reject with the setting's name.
 *
 * @example
 * ```ts
 * import { OllamaHost } from "effect-llm-backends"
 * OllamaHost.normalize("0.0.0.0:11434") // "http://127.0.0.1:11434"
 * ```
 *
 * @since 0.1.0
 */
export const normalize = (value: string): string => {
  const trimmed = value.trim()
  if (trimmed === "") return `http://127.0.0.1:${DEFAULT_PORT}`
  if (trimmed === "ollama.com") return "https://ollama.com"
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
  let text = trimmed
  if (!hasScheme) {
    const slash = text.indexOf("/")
    let authority = slash === -1 ? text : text.slice(0, slash)
    const rest = slash === -1 ? "" : text.slice(slash)
    // A bare IPv6 address (`::1`) has no room for a port: bracket it.
    if (!authority.startsWith("[") && authority.split(":").length > 2) authority = `[${authority}]`
    if (authority.startsWith(":")) authority = `127.0.0.1${authority}`
    // The URL parser forgets a scheme's default port (`:80`), so look before parsing.
    if (!/:\d*$/.test(authority) || authority.endsWith("]")) authority = `${authority}:${DEFAULT_PORT}`
    text = `http://${authority}${rest}`
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return trimmed
  }
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1"
  else if (url.hostname === "[::]") url.hostname = "[::1]"
  return url.toString().replace(/\/+$/, "").replace(/\/api$/, "")
}
