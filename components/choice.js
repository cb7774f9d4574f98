// A labelled native <select>: the browser's own list (the phone's own picker), keyboard and screen-reader support,
// and no code to load beyond these lines. Options arrive as [value, text] pairs; the <option>s carry their index, and
// a pick sends the pair's value back (null included) as a one-off trigger, so picking the same value again after the
// page changed it some other way is still a pick. Text goes in through textContent only: nothing in it is markup.
export default function (component) {
  const { data, parentElement } = component;
  let label = parentElement.querySelector(":scope > label.ca-choice");
  if (!label) {
    label = document.createElement("label");
    label.className = "ca-choice";
    const text = document.createElement("span");
    text.className = "ca-choice-label";
    const select = document.createElement("select");
    label.append(text, select);
    parentElement.appendChild(label);
    select.addEventListener("change", () => {
      const picked = label.__caOptions[Number(select.value)];
      if (picked) label.__caPick(picked[0]);
    });
  }
  // Each run hands over fresh data and a fresh setter; the one listener reads the latest of both.
  label.__caOptions = data.options;
  label.__caPick = (value) => component.setTriggerValue("pick", value);
  const [text, select] = label.children;
  text.textContent = data.label;
  select.replaceChildren(...data.options.map(([value, shown], i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = shown;
    option.selected = value === data.value;
    return option;
  }));
}
