/** How soon a request wants its write: after the debounce window, or as soon as possible. */
export type Urgency = "debounced" | "immediate";
