import { Parser } from "htmlparser2";
import { isLosslessNumber, parse as parseLossless } from "lossless-json";
import {
  type ItemProblem,
  MERCHANT_UNITS,
  type Money,
  MoneyError,
  type ParityOnline,
  parseMerchantPrice,
} from "../../schemas/index.ts";
import { moneyObject } from "./online-view.ts";

/**
 * A product page's structured data (schema.org JSON-LD, as Google reads it for "Mismatched value
 * (page crawl)"): the `<script type="application/ld+json">` blocks of the page, read with htmlparser2
 * (streaming, forgiving: shop pages are not well-formed XML), each parsed with lossless-json so a
 * number such as `"price": 10.10` keeps its digits as written (a float would make it 10.1, and
 * 0.1 + 0.2 style sums never happen: amounts go to integer minor units from the text).
 */

/** Collects the text of every JSON-LD script while the page streams through `write`. */
export function jsonLdCollector() {
  const blocks: string[] = [];
  let inScript = false;
  let text = "";
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name !== "script") return;
        const type = (attrs.type ?? "").split(";")[0]?.trim().toLowerCase();
        inScript = type === "application/ld+json";
        text = "";
      },
      ontext(data) {
        if (inScript) text += data;
      },
      onclosetag(name) {
        if (name === "script" && inScript) {
          blocks.push(text);
          inScript = false;
        }
      },
    },
    { decodeEntities: false },
  );
  return {
    write: (chunk: string) => parser.write(chunk),
    /** The blocks read (call once, at the end of the page). */
    end(): string[] {
      parser.end();
      return blocks;
    },
  };
}

export function jsonLdBlocks(html: string): string[] {
  const c = jsonLdCollector();
  c.write(html);
  return c.end();
}

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** A schema.org type name without its vocabulary (`https://schema.org/Product`, `schema:Product` → `Product`). */
const bare = (t: string) => t.replace(/^(https?:\/\/schema\.org\/|schema:)/, "");
const typesOf = (n: Node) =>
  list(n["@type"])
    .filter((t): t is string => typeof t === "string")
    .map(bare);

/** A JSON-LD value as text: a string, a lossless number's digits, or `{ "@value": … }`. */
function textOf(v: unknown): string | undefined {
  if (typeof v === "string") return v.trim();
  if (isLosslessNumber(v)) return v.value;
  if (isNode(v) && "@value" in v) return textOf(v["@value"]);
  return undefined;
}

/** Every Product in the blocks: top level, arrays, `@graph`, a page's `mainEntity`, ProductGroup.hasVariant. */
export function productsIn(blocks: string[]): Node[] {
  const out: Node[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    if (!isNode(v) || seen.has(v)) return;
    seen.add(v);
    const types = typesOf(v);
    if (types.includes("ProductGroup")) {
      // The variants are the products with offers; the group itself is kept last, as a fallback.
      for (const variant of list(v.hasVariant)) visit(variant, depth + 1);
      out.push(v);
    } else if (types.includes("Product")) out.push(v);
    for (const k of ["@graph", "mainEntity", "itemListElement", "item"]) if (k in v) visit(v[k], depth + 1);
  };
  for (const block of blocks) {
    try {
      visit(parseLossless(block), 0);
    } catch {
      // A block that is not JSON is ignored, as Google ignores it; another block may still hold the product.
    }
  }
  return out;
}

/** UN/CEFACT common codes schema.org uses in `unitCode`, as Merchant Center units (others: as written). */
const UNIT_CODES: Readonly<Record<string, string>> = {
  MGM: "mg",
  GRM: "g",
  KGM: "kg",
  MLT: "ml",
  CLT: "cl",
  LTR: "l",
  MTR: "m",
  CMT: "cm",
  MTK: "sqm",
  H87: "ct",
  C62: "ct",
  ONZ: "oz",
  LBR: "lb",
};

function quantityOf(v: unknown): { quantity: string; unit: string } | undefined {
  if (!isNode(v)) return undefined;
  const value = textOf(v.value);
  const code = textOf(v.unitCode) ?? textOf(v.unitText);
  if (!value || !code) return undefined;
  const unit = UNIT_CODES[code.toUpperCase()] ?? code.toLowerCase();
  if (!/^\d+(\.\d+)?$/.test(value) || !(unit in MERCHANT_UNITS)) return undefined;
  return { quantity: value, unit };
}

const AVAILABILITY = /^(?:https?:\/\/schema\.org\/|schema:)?([A-Za-z]+)$/;

/** What the page's offer says, before it is checked against the store. */
interface PageOffer {
  price?: Money;
  regularPrice?: Money;
  memberPrice?: Money;
  availability?: string;
  netQuantity?: { quantity: string; unit: string };
}

/** A money value of a JSON-LD offer or price specification, or a problem naming the field. */
function moneyOf(
  node: Node,
  field: string,
  fallbackCurrency: string | undefined,
  problems: ItemProblem[],
): Money | undefined {
  const amount = textOf(node.price);
  if (amount === undefined) return undefined;
  const currency = textOf(node.priceCurrency) ?? fallbackCurrency;
  if (!currency) {
    problems.push({ field: `${field}.priceCurrency`, value: "", reason: "is required with a price" });
    return undefined;
  }
  try {
    return parseMerchantPrice(`${amount} ${currency}`);
  } catch (e) {
    if (!(e instanceof MoneyError)) throw e;
    problems.push({
      field: `${field}.price`,
      value: `${amount} ${currency}`.slice(0, 60),
      reason: e.message,
    });
    return undefined;
  }
}

function readOffer(offer: Node, problems: ItemProblem[]): PageOffer {
  const out: PageOffer = {};
  const currency = textOf(offer.priceCurrency);
  const direct = moneyOf(offer, "offers", currency, problems);
  if (direct) out.price = direct;
  for (const spec of list(offer.priceSpecification)) {
    if (!isNode(spec)) continue;
    const priceType = textOf(spec.priceType);
    const type = priceType ? bare(priceType) : undefined;
    const money = moneyOf(spec, "priceSpecification", currency, problems);
    if (spec.validForMemberTier !== undefined) {
      if (money) out.memberPrice = money;
    } else if (type === "StrikethroughPrice" || type === "ListPrice") {
      if (money) out.regularPrice = money;
    } else if (type === undefined) {
      // No priceType: the price a shopper pays (it may stand in for, or repeat, Offer.price).
      if (money && !out.price) out.price = money;
    }
    const ref = isNode(spec.referenceQuantity) ? spec.referenceQuantity : undefined;
    // The product's own quantity is the reference quantity's valueReference (the base is the value).
    const measure = ref ? quantityOf(ref.valueReference) : undefined;
    if (measure) out.netQuantity = measure;
  }
  const availability = textOf(offer.availability);
  if (availability) {
    const m = AVAILABILITY.exec(availability);
    out.availability = m ? `https://schema.org/${m[1]}` : availability;
  }
  return out;
}

/** The product of the page that is this SKU: its `sku`, `productID` or `mpn`; the only one otherwise. */
function productFor(products: Node[], sku: string): Node | undefined {
  const named = products.find((p) => [p.sku, p.productID, p.mpn].some((v) => textOf(v) === sku));
  if (named) return named;
  const withOffers = products.filter((p) => p.offers !== undefined);
  return withOffers.length === 1 ? withOffers[0] : undefined;
}

/**
 * What a product page shows for a SKU (its JSON-LD), as the online side of the audit: the offer's
 * price (Offer.price, or a price specification without `priceType`), the struck price
 * (`StrikethroughPrice`, or `ListPrice`, shown only beside a lower active price), a member price
 * (`validForMemberTier`), the availability and the product's quantity
 * (`UnitPriceSpecification.referenceQuantity.valueReference`). Problems instead when the page has no
 * product for the SKU, no offer or no price.
 */
export function pageView(blocks: string[], sku: string, url: string, locale: string): ParityOnline {
  const problems: ItemProblem[] = [];
  const empty = (): ParityOnline => ({
    price: null,
    regularPrice: null,
    availability: null,
    stock: null,
    netQuantity: null,
    problems,
    from: url,
  });
  const products = productsIn(blocks);
  const product = productFor(products, sku);
  if (!product) {
    problems.push({
      field: "(page)",
      value: url,
      reason:
        products.length === 0
          ? "no schema.org Product in the page's JSON-LD"
          : `no Product with sku ${sku} among the page's ${products.length}`,
    });
    return empty();
  }
  const offers = list(product.offers).filter(isNode);
  const offer = offers.find((o) => typesOf(o).includes("Offer")) ?? offers[0];
  if (!offer) {
    problems.push({ field: "offers", value: url, reason: "the product has no offer" });
    return empty();
  }
  const read = readOffer(offer, problems);
  if (!read.price) {
    if (!problems.some((p) => p.field.endsWith("price"))) {
      problems.push({ field: "offers.price", value: "", reason: "the offer has no price" });
    }
    return empty();
  }
  if (problems.length > 0) return empty();
  // A struck price is a claim of a reduction: only beside a lower price does the page show one.
  const struck =
    read.regularPrice &&
    read.regularPrice.currency === read.price.currency &&
    read.regularPrice.amountMinor > read.price.amountMinor
      ? read.regularPrice
      : undefined;
  return {
    price: moneyObject(read.price, locale),
    regularPrice: struck ? moneyObject(struck, locale) : null,
    ...(read.memberPrice ? { memberPrice: moneyObject(read.memberPrice, locale) } : {}),
    availability: read.availability ?? null,
    stock: null,
    netQuantity: read.netQuantity ?? null,
    from: url,
  };
}
