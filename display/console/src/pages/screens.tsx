import { msg } from "../i18n/index.ts";
import { PageTitle } from "../ui.tsx";

/** Signage screens arrive with their own issue; the navigation keeps their place. */
export function Screens() {
  return (
    <section>
      <PageTitle>{msg.nav.screens}</PageTitle>
      <p class="empty">{msg.screens.later}</p>
    </section>
  );
}
