/* newsearch: the site's only script. The pages work without it; it adds
   - "/" to jump to the search box (like many sites), Escape to leave it;
   - autocomplete of facet values (people, places, organisations...) in the sidebar's
     "Add" boxes, from the REST API's facet lookup (/api/v1/facets/<name>?prefix=). */
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !isTyping(document.activeElement)) {
      var box = document.getElementById("q") || document.getElementById("header-q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    } else if (event.key === "Escape" && document.activeElement &&
               document.activeElement.getAttribute("data-shortcut") === "/") {
      document.activeElement.blur();
    }
  });

  function valuesOf(data) {
    if (Array.isArray(data)) return data;
    if (data && Array.isArray(data.values)) return data.values;
    if (data && Array.isArray(data.facets)) return data.facets;
    return [];
  }

  function setupLookup(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var name = input.getAttribute("data-facet");
    var base = document.body.getAttribute("data-api") || "/api/v1";
    if (!list || !name || !window.fetch) return;
    var timer = null;
    var last = null;
    var controller = null;

    function fill(values) {
      while (list.firstChild) list.removeChild(list.firstChild);
      values.slice(0, 12).forEach(function (item) {
        var value = typeof item === "string" ? item : item.value;
        if (!value) return;
        var option = document.createElement("option");
        option.value = value;  // text only: never parsed as HTML
        if (typeof item.count === "number") {
          option.label = value + " (" + item.count + ")";
        }
        list.appendChild(option);
      });
    }

    function lookup() {
      var prefix = input.value.trim();
      if (prefix === last) return;
      last = prefix;
      if (prefix.length < 1) { fill([]); return; }
      if (controller && controller.abort) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var url = base + "/facets/" + encodeURIComponent(name) +
        "?prefix=" + encodeURIComponent(prefix) + "&limit=12";
      fetch(url, { headers: { Accept: "application/json" },
                   signal: controller ? controller.signal : undefined })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (data) { fill(valuesOf(data)); })
        .catch(function () { /* offline or aborted: the box still works as plain text */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
  }

  function init() {
    var inputs = document.querySelectorAll("input[data-facet]");
    for (var i = 0; i < inputs.length; i++) setupLookup(inputs[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
