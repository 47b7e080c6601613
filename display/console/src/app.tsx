import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from "preact-iso";
import type { MeReply } from "../../../schemas/index.ts";
import { ApiError, api, session, whenUnauthorized } from "./api.ts";
import { fill, msg } from "./i18n/index.ts";
import { Dashboard } from "./pages/dashboard.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { asApiError, Loading, type Session, SessionContext } from "./ui.tsx";

// Every page but the dashboard (the first page) is its own chunk, loaded when first visited.
const Products = lazy(() => import("./pages/products.tsx").then((m) => m.Products));
const Product = lazy(() => import("./pages/product.tsx").then((m) => m.Product));
const Labels = lazy(() => import("./pages/labels.tsx").then((m) => m.Labels));
const Label = lazy(() => import("./pages/label.tsx").then((m) => m.Label));
const LinkScan = lazy(() => import("./pages/link.tsx").then((m) => m.LinkScan));
const Promotions = lazy(() => import("./pages/promotions.tsx").then((m) => m.Promotions));
const PromotionEdit = lazy(() => import("./pages/promotion-edit.tsx").then((m) => m.PromotionEdit));
const Approvals = lazy(() => import("./pages/approvals.tsx").then((m) => m.Approvals));
const Feeds = lazy(() => import("./pages/feeds.tsx").then((m) => m.Feeds));
const Audit = lazy(() => import("./pages/audit.tsx").then((m) => m.Audit));
const Tokens = lazy(() => import("./pages/tokens.tsx").then((m) => m.Tokens));
const Parity = lazy(() => import("./pages/parity.tsx").then((m) => m.Parity));
const Screens = lazy(() => import("./pages/screens.tsx").then((m) => m.Screens));

interface NavItem {
  href: string;
  label: string;
  /** The route that decides whether the signed-in role sees the page at all. */
  needs: string;
}

function navItems(): NavItem[] {
  const n = msg.nav;
  return [
    { href: "/", label: n.dashboard, needs: "GET /api/v1/sync" },
    { href: "/products", label: n.products, needs: "GET /api/v1/products" },
    { href: "/labels", label: n.labels, needs: "GET /api/v1/labels" },
    { href: "/link", label: n.link, needs: "PUT /api/v1/labels/{labelId}/link" },
    { href: "/promotions", label: n.promotions, needs: "GET /api/v1/promotions" },
    { href: "/approvals", label: n.approvals, needs: "GET /api/v1/approvals" },
    { href: "/feeds", label: n.feeds, needs: "GET /api/v1/feeds" },
    { href: "/audit", label: n.audit, needs: "GET /api/v1/audit" },
    { href: "/tokens", label: n.tokens, needs: "GET /api/v1/tokens" },
    // Online parity (the merchant work) and signage screens (a later issue): their places are kept.
    { href: "/parity", label: n.parity, needs: "GET /api/v1/parity" },
    { href: "/screens", label: n.screens, needs: "GET /api/v1/screens" },
  ];
}

function Shell({ store, session: s }: { store: string; session: Session }) {
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const items = navItems();
  const current = (href: string) =>
    href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
  return (
    <>
      <a class="skip" href="#main">
        {msg.nav.skip}
      </a>
      <header class="top">
        <a class="brand" href="/">
          Shelfsync{store && <span class="muted"> · {store}</span>}
        </a>
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          {msg.nav.menu}
        </button>
        <nav id="nav" class={menuOpen ? "open" : ""} aria-label={msg.nav.label}>
          <ul>
            {items.map((i) => {
              const allowed = s.can(i.needs);
              if (!allowed && i.href !== "/screens" && i.href !== "/parity") return null;
              return (
                <li key={i.href}>
                  <a href={i.href} aria-current={current(i.href) ? "page" : undefined}>
                    {i.label}
                  </a>
                </li>
              );
            })}
          </ul>
          <div class="who">
            <span>
              {fill(msg.nav.signedInAs, { name: s.me.name, role: msg.roles[s.me.role] ?? s.me.role })}
            </span>
            <button type="button" class="link" onClick={s.signOut}>
              {msg.nav.signOut}
            </button>
          </div>
        </nav>
      </header>
      <main id="main">
        <ErrorBoundary>
          <Router>
            <Route path="/" component={Dashboard} />
            <Route path="/products" component={Products} />
            <Route path="/products/:sku" component={Product} />
            <Route path="/labels" component={Labels} />
            <Route path="/labels/:labelId" component={Label} />
            <Route path="/link" component={LinkScan} />
            <Route path="/promotions" component={Promotions} />
            <Route path="/promotions/new" component={PromotionEdit} />
            <Route path="/promotions/:promotionId" component={PromotionEdit} />
            <Route path="/approvals" component={Approvals} />
            <Route path="/feeds" component={Feeds} />
            <Route path="/audit" component={Audit} />
            <Route path="/tokens" component={Tokens} />
            <Route path="/parity" component={Parity} />
            <Route path="/screens" component={Screens} />
            <Route default component={NotFound} />
          </Router>
        </ErrorBoundary>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>{msg.errors.notFound}</h1>
      <p>
        <a href="/">{msg.nav.dashboard}</a>
      </p>
    </section>
  );
}

type SignedIn = { state: "out"; error?: ApiError } | { state: "checking" } | { state: "in"; me: MeReply };

export function App({ store }: { store: string }) {
  const [auth, setAuth] = useState<SignedIn>(session.token() ? { state: "checking" } : { state: "out" });

  const signOut = useCallback((error?: ApiError) => {
    session.clear();
    setAuth(error ? { state: "out", error } : { state: "out" });
  }, []);

  const check = useCallback(
    async (token: string) => {
      setAuth({ state: "checking" });
      try {
        const me = await api<MeReply>("GET", "/me", undefined, { token });
        session.set(token);
        setAuth({ state: "in", me });
      } catch (e) {
        signOut(asApiError(e));
      }
    },
    [signOut],
  );

  useEffect(() => {
    whenUnauthorized(() => signOut(new ApiError(401, "signed_out", msg.signIn.expired)));
    const token = session.token();
    if (token) void check(token);
  }, [check, signOut]);

  const value = useMemo<Session | null>(() => {
    if (auth.state !== "in") return null;
    const routes = new Set(auth.me.routes);
    return { me: auth.me, can: (r) => routes.has(r), signOut: () => signOut() };
  }, [auth, signOut]);

  if (auth.state === "checking") return <Loading label={msg.signIn.checking} />;
  if (!value) {
    return <SignIn store={store} onToken={check} error={auth.state === "out" ? auth.error : undefined} />;
  }
  return (
    <SessionContext.Provider value={value}>
      <LocationProvider>
        <Shell store={store} session={value} />
      </LocationProvider>
    </SessionContext.Provider>
  );
}
