/* The reconciliation queue from the keyboard. Every action is a plain form of the page:
 * this file only moves the focus between proposals and presses their buttons.
 *
 *   j / ↓  next proposal        a  accept (Valider)          r  reject
 *   k / ↑  previous proposal    2  choose the second best    n  "ne règle rien chez nous"
 *   c      change (add a claim by its reference)             ?  this help
 */
(function () {
  "use strict";

  var KEEP = "lettrage-queue-focus"; // the position survives the reload after a decision
  var proposals = Array.prototype.slice.call(document.querySelectorAll("[data-proposal]"));
  if (!proposals.length) {
    return;
  }
  var help = document.getElementById("queue-help");
  var current = -1;

  function remembered() {
    try {
      return parseInt(window.sessionStorage.getItem(KEEP) || "0", 10) || 0;
    } catch (e) {
      return 0;
    }
  }

  function remember(index) {
    try {
      window.sessionStorage.setItem(KEEP, String(index));
    } catch (e) {
      /* private mode: the focus starts at the top again */
    }
  }

  function mark(index) {
    index = Math.max(0, Math.min(proposals.length - 1, index));
    if (current >= 0 && proposals[current]) {
      proposals[current].classList.remove("is-focused");
      proposals[current].removeAttribute("aria-current");
    }
    current = index;
    proposals[current].classList.add("is-focused");
    proposals[current].setAttribute("aria-current", "true");
    remember(current);
    return proposals[current];
  }

  function focusOn(index) {
    var article = mark(index);
    article.focus({ preventScroll: true });
    article.scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    if (!target || !target.tagName) {
      return false;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {
      return target.type !== "checkbox" && target.type !== "radio";
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function press(selector) {
    var control = proposals[current].querySelector(selector);
    if (!control || control.disabled) {
      return false;
    }
    control.click();
    return true;
  }

  function change() {
    var field = proposals[current].querySelector("[data-key='c']");
    if (!field) {
      field = proposals[current].querySelector("input[name=claims]");
    }
    if (field) {
      field.focus();
    }
    return Boolean(field);
  }

  function notOurs() {
    var details = proposals[current].querySelector("details[data-key='n']");
    if (!details) {
      return false;
    }
    details.open = true;
    var reason = details.querySelector("select[name=reason]");
    if (reason) {
      reason.focus();
    }
    return true;
  }

  function showHelp() {
    if (!help) {
      return false;
    }
    if (help.open) {
      help.close();
    } else if (help.showModal) {
      help.showModal();
    } else {
      help.setAttribute("open", "");
    }
    return true;
  }

  var actions = {
    j: function () { focusOn(current + 1); return true; },
    ArrowDown: function () { focusOn(current + 1); return true; },
    k: function () { focusOn(current - 1); return true; },
    ArrowUp: function () { focusOn(current - 1); return true; },
    a: function () { return press("[data-key='a']"); },
    2: function () { return press("[data-key='2']"); },
    r: function () { return press("[data-key='r']"); },
    c: change,
    n: notOurs,
    "?": showHelp,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape" && proposals[current].contains(event.target)) {
        proposals[current].focus({ preventScroll: true }); // back to the shortcuts
      }
      return;
    }
    if (help && help.open && event.key !== "?") {
      return;
    }
    var action = Object.prototype.hasOwnProperty.call(actions, event.key) && actions[event.key];
    if (action && action()) {
      event.preventDefault();
    }
  });

  // Enter on the reason list sends the answer (a select alone does not submit its form)
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target || target.name !== "reason" || !target.form) {
      return;
    }
    event.preventDefault();
    if (target.form.requestSubmit) {
      target.form.requestSubmit();
    } else {
      target.form.submit();
    }
  });

  // a click or a Tab into a proposal makes it the current one
  proposals.forEach(function (article, index) {
    article.addEventListener("focusin", function () {
      if (current !== index) {
        mark(index);
      }
    });
  });

  focusOn(remembered());
})();
