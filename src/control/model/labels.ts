// Label selectors as Istio applies them (workloadSelector, Gateway selector,
// ServiceEntry workloadSelector): every selector pair must be present in the
// labels; an empty or absent selector selects everything.

/** True when every key=value of `selector` is in `labels`. */
export function selectorMatches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const k in selector) {
    if (labels[k] !== selector[k]) return false;
  }
  return true;
}

/** True when a selector has at least one label (Istio: a selector with no labels is "no selector"). */
export function hasSelectorLabels(selector: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return false;
  for (const _ in selector) return true;
  return false;
}
