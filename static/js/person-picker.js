// The person picker: a <select data-person-picker data-search-url="..."> becomes a text box
// that asks the server as you type ("mar" finds Maria Lopez and Omar Haddad) and offers the
// matches in a list you can use with the keyboard (WAI-ARIA combobox: arrow keys to move,
// Enter to choose, Escape to close). The select stays in the form and carries the choice, so
// without JavaScript the page is the plain list it always was.
(function () {
  "use strict";

  document.querySelectorAll("select[data-person-picker]").forEach(enhance);

  function enhance(select) {
    var url = select.getAttribute("data-search-url");
    var listId = select.id + "-options";
    var label = document.querySelector('label[for="' + select.id + '"]');

    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id + "-search";
    input.className = "form-control";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.placeholder = "Type a few letters of a name or e-mail";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var status = document.createElement("div");
    status.id = select.id + "-status";
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "list-group person-picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (label) {
      label.setAttribute("for", input.id);
      label.id = label.id || select.id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    var described = [select.getAttribute("aria-describedby"), status.id].filter(Boolean);
    input.setAttribute("aria-describedby", described.join(" "));

    var chosen = select.options[select.selectedIndex];
    if (chosen && Number(chosen.value) > 0) {
      input.value = chosen.text;
    }
    if (select.classList.contains("is-invalid")) {
      input.classList.add("is-invalid");
    }
    select.hidden = true;
    select.tabIndex = -1;
    select.setAttribute("aria-hidden", "true");
    select.after(input, list, status);

    var options = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    input.addEventListener("input", function () {
      select.value = placeholderValue(select);
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (!query) {
        close();
        return;
      }
      timer = window.setTimeout(function () { search(query); }, 150);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          if (!options.length) {
            search(input.value.trim());
            return;
          }
          open();
        }
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault(); // choose, do not send the form yet
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("blur", close);

    function search(query) {
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) {
          if (mine === asked) {
            show(items);
          }
        })
        .catch(function () {
          status.textContent = "The search did not answer; choose from the list instead.";
          select.hidden = false;
          select.removeAttribute("aria-hidden");
          select.tabIndex = 0;
        });
    }

    function show(items) {
      options = items;
      active = -1;
      list.replaceChildren();
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = listId + "-" + index;
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.label;
        // Keep the focus in the text box while the pointer chooses.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(index); });
        list.appendChild(option);
      });
      status.textContent = items.length
        ? items.length + (items.length === 1 ? " person" : " people") +
          " found; use the arrow keys and Enter to choose."
        : "Nobody found.";
      if (items.length) {
        open();
      } else {
        close();
      }
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function move(step) {
      if (!options.length) {
        return;
      }
      active = (active + step + options.length) % options.length;
      Array.prototype.forEach.call(list.children, function (option, index) {
        var on = index === active;
        option.setAttribute("aria-selected", on ? "true" : "false");
        option.classList.toggle("active", on);
        if (on) {
          option.scrollIntoView({ block: "nearest" });
        }
      });
      input.setAttribute("aria-activedescendant", listId + "-" + active);
    }

    function choose(index) {
      var item = options[index];
      var value = String(item.id);
      var existing = Array.prototype.find.call(select.options, function (option) {
        return option.value === value;
      });
      if (!existing) {
        select.add(new Option(item.label, value));
      }
      select.value = value;
      input.value = item.label;
      input.classList.remove("is-invalid");
      close();
      status.textContent = "Chosen: " + item.label + ".";
    }
  }

  function placeholderValue(select) {
    var first = select.options[0];
    return first && Number(first.value) <= 0 ? first.value : "";
  }
})();
