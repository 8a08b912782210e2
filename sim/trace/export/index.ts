export { toChromeTrace } from "./chrome.ts";
export { toJepsenHistory } from "./jepsen.ts";
export { SHIVIZ_REGEX, toShiViz } from "./shiviz.ts";
