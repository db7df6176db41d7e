// Keyboard shortcuts for the review pages; every page works without them.
// j / n: next group; k / p: back; a: apply the decision as shown; m: focus the marks.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select");
  if (typing && event.key !== "Escape") return;
  const go = (selector) => {
    const link = document.querySelector(selector);
    if (link) { event.preventDefault(); link.click(); }
  };
  switch (event.key) {
    case "j": case "n": go('a[rel="next"]'); break;
    case "k": case "p": go('a[rel="prev"]'); break;
    case "a": {
      const form = document.getElementById("decide");
      if (form) { event.preventDefault(); form.requestSubmit(); }
      break;
    }
    case "m": {
      const marks = document.querySelector('#decide input[name="marks"]');
      if (marks) { event.preventDefault(); marks.focus(); marks.select(); }
      break;
    }
    case "Escape": if (typing) typing.blur(); break;
  }
});
