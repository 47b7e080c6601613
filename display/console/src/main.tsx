import { render } from "preact";
import { App } from "./app.tsx";
import { chooseLocale } from "./i18n/index.ts";
import "./styles.css";

const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";

/** Boot: the store's language first (the controller wrote its locale into the page), then draw. */
const root = document.getElementById("app");
if (root) {
  void chooseLocale(meta("shelfsync-locale") || navigator.language).then(() => {
    render(<App store={meta("shelfsync-store")} />, root);
    // For the browser test's "first page interactive" figure.
    performance.mark("shelfsync:interactive");
  });
}
