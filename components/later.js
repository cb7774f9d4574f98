// Holds the place of a part of the page drawn after the first screen: a real button (for a reader who wants it now,
// by mouse or keyboard) that also presses itself when it comes within NEAR_PX of the viewport, or SETTLE_MS after it
// was drawn, whichever is first: the same rule as the charts (plotly_view.js), so a first visit spends its main
// thread on what it shows first. `window.caLaterSettleMs` overrides SETTLE_MS (tests use it to see the scroll alone).
const NEAR_PX = 800;
const SETTLE_MS = 2500;

export default function (component) {
  const { data, parentElement } = component;
  let button = parentElement.querySelector(":scope > button.ca-later");
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.className = "ca-later";
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  // A run that draws the place-holder again has not drawn the part yet (a reconnect, a filter change): the earlier
  // observer and timer go and the button asks afresh, once.
  button.__caCancel?.();
  button.disabled = false;
  let done = false;
  const cancel = () => {
    done = true;
    seen?.disconnect();
    clearTimeout(timer);
  };
  const show = () => {
    if (done) return;
    cancel();
    button.disabled = true;
    component.setTriggerValue("show", true);
  };
  button.onclick = show;
  const seen = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver((items) => {
    if (items.some((item) => item.isIntersecting)) show();
  }, { rootMargin: `${NEAR_PX}px 0px` });
  seen?.observe(button);
  const timer = setTimeout(show, window.caLaterSettleMs ?? SETTLE_MS);
  button.__caCancel = cancel;
  return cancel;
}
