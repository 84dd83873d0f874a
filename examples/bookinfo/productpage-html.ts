// The HTML productpage serves. Pure functions of a view model, so the page
// can be tested without sockets. Phrases people (and tests) look for are
// exported constants.
import type { BookDetails } from './catalog.js';
import { escapeHtml as h } from './lib/http-util.js';
import type { ReviewsAnswer } from './reviews.js';

export const DETAILS_UNAVAILABLE = 'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';

export type Fetched<T> = { ok: true; value: T; ms: number } | { ok: false; detail: string; ms: number };

export interface ProductView {
  productId: number;
  user?: string;
  /** The productpage workload that rendered the page. */
  workload: string;
  details: Fetched<BookDetails>;
  reviews: Fetched<ReviewsAnswer>;
}

const STYLE = `
body { font-family: Georgia, 'Times New Roman', serif; margin: 0; background: #f6f3ee; color: #222; }
header { background: #2f3b52; color: #fff; padding: 0.8em 1.5em; display: flex; justify-content: space-between; align-items: center; }
header a { color: #cfe0ff; }
main { max-width: 56em; margin: 1.5em auto; padding: 0 1.5em; }
h1 { margin: 0; font-size: 1.4em; }
section { background: #fff; border: 1px solid #ddd5c8; border-radius: 6px; padding: 1em 1.4em; margin-bottom: 1.2em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.3em 1.2em; margin: 0.5em 0; }
dt { font-weight: bold; }
blockquote { margin: 0.8em 0; padding: 0.4em 1em; border-left: 4px solid #b7a98f; }
.stars { font-size: 1.3em; letter-spacing: 0.1em; }
.stars-black { color: #111; }
.stars-red { color: #c8102e; }
.unavailable { color: #8a1c1c; font-weight: bold; }
.why, footer { color: #777; font-size: 0.85em; font-family: monospace; }
footer { text-align: center; margin: 2em 0; }
`;

function layout(title: string, user: string | undefined, body: string): string {
  const who = user
    ? `signed in as <b>${h(user)}</b> · <a href="/logout">sign out</a>`
    : `<a href="/login">sign in</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title><style>${STYLE}</style></head>
<body><header><h1>Bookinfo on weft</h1><span class="user">${who}</span></header>
<main>${body}</main></body></html>
`;
}

function stars(n: number, color: string): string {
  const full = Math.max(0, Math.min(5, n));
  return `<span class="stars stars-${h(color)}" data-stars="${full}" data-color="${h(color)}" title="${full} of 5">${'★'.repeat(full)}${'☆'.repeat(5 - full)}</span>`;
}

function detailsSection(d: Fetched<BookDetails>): string {
  if (!d.ok) return `<section id="details"><p class="unavailable">${h(DETAILS_UNAVAILABLE)}</p><p class="why">${h(d.detail)}</p></section>`;
  const b = d.value;
  return `<section id="details">
<h2>${h(b.title)}</h2>
<p>${h(b.summary)}</p>
<dl>
<dt>Author</dt><dd>${h(b.author)}</dd>
<dt>Year</dt><dd>${b.year}</dd>
<dt>Type</dt><dd>${h(b.type)}</dd>
<dt>Pages</dt><dd>${b.pages}</dd>
<dt>Publisher</dt><dd>${h(b.publisher)}</dd>
<dt>Language</dt><dd>${h(b.language)}</dd>
</dl></section>`;
}

function reviewsSection(r: Fetched<ReviewsAnswer>): string {
  if (!r.ok) return `<section id="reviews" data-reviews-version="unavailable"><h2>Reviews</h2><p class="unavailable">${h(REVIEWS_UNAVAILABLE)}</p><p class="why">${h(r.detail)} (after ${Math.round(r.ms)} ms)</p></section>`;
  const a = r.value;
  const items = a.reviews
    .map((rv) => {
      let rating = '';
      if (rv.rating && 'stars' in rv.rating) rating = stars(rv.rating.stars, rv.rating.color);
      else if (rv.rating && 'error' in rv.rating) rating = `<span class="unavailable">${h(rv.rating.error)}</span>`;
      return `<blockquote><p>${h(rv.text)}</p><p>— ${h(rv.reviewer)} ${rating}</p></blockquote>`;
    })
    .join('\n');
  const why = a.ratings === 'unavailable' && a.ratings_error ? `<p class="why">ratings: ${h(a.ratings_error)}</p>` : '';
  return `<section id="reviews" data-reviews-version="${h(a.version)}"><h2>Reviews</h2>
${items}
${why}<p class="why">reviews served by ${h(a.workload)}</p></section>`;
}

export function renderProductPage(v: ProductView): string {
  const title = v.details.ok ? v.details.value.title : 'Bookinfo';
  const body = `${detailsSection(v.details)}\n${reviewsSection(v.reviews)}\n<footer>page rendered by ${h(v.workload)} · details ${Math.round(v.details.ms)} ms · reviews ${Math.round(v.reviews.ms)} ms</footer>`;
  return layout(title, v.user, body);
}

export function renderIndex(user: string | undefined): string {
  return layout(
    'Bookinfo',
    user,
    `<section><h2>Bookinfo</h2>
<p>A small book shop made of four services: productpage calls details and reviews; reviews v2 and v3 call ratings.</p>
<ul>
<li><a href="/productpage">Product page</a></li>
<li><a href="/productpage?user=jason">Product page as jason</a> (sets the <code>user</code> cookie)</li>
<li><a href="/api/v1/products/0">JSON: product 0 with details and reviews</a></li>
</ul></section>`,
  );
}

export function renderLogin(user: string | undefined): string {
  return layout(
    'Sign in',
    user,
    `<section><h2>Sign in</h2>
<p>No password: the name is sent to details and reviews as the <code>end-user</code> header.</p>
<form method="post" action="/login"><label>User name <input name="username" value="jason" autofocus></label> <button type="submit">Sign in</button></form>
</section>`,
  );
}
