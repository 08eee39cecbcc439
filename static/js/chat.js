/* Customer chat: live updates through server-sent events, no reload.
 *
 * The pages work without this script (forms post and redirect); it only makes them live:
 * - buyer: an EventSource on the conversation; each "message" event carries a stored message
 *   (its id is the event id, so a reconnect resumes after the last one the page has);
 * - workbench: an EventSource saying "changed"; the page then fetches its list and the messages
 *   after the last id it shows; replies are posted with fetch and errors (muted!) shown inline;
 *   a heartbeat keeps an online member online while the page is open;
 * - live view: refetches its panel on "changed".
 */
(function () {
  "use strict";

  function csrfToken(root) {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]") || document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function lastId(thread) {
    var max = 0;
    thread.querySelectorAll("li[data-id]").forEach(function (li) {
      max = Math.max(max, parseInt(li.getAttribute("data-id"), 10) || 0);
    });
    return max;
  }

  function append(thread, message) {
    if (thread.querySelector('li[data-id="' + message.id + '"]')) return;
    var li = document.createElement("li");
    li.className = message.kind;
    li.setAttribute("data-id", message.id);
    if (message.kind !== "system") {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = message.author + " · " + message.at;
      li.appendChild(who);
    }
    li.appendChild(document.createTextNode(message.text));
    thread.appendChild(li);
    thread.scrollTop = thread.scrollHeight;
  }

  function showError(root, text) {
    var box = root.querySelector("[data-role=error]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function postJSON(url, form, root) {
    return fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(root) },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function wireCompose(root, thread) {
    var form = root.querySelector("form[data-role=reply]");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      postJSON(form.action, form, root).then(function (result) {
        button.disabled = false;
        if (result.ok) {
          showError(root, "");
          form.querySelector("textarea").value = "";
          append(thread, result.data.message);
        } else {
          showError(root, result.data.error);
        }
      }).catch(function () {
        button.disabled = false;
        form.submit();
      });
    });
    form.querySelector("textarea").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
  }

  function buyer(root) {
    var thread = root.querySelector(".thread");
    wireCompose(root, thread);
    thread.scrollTop = thread.scrollHeight;
    var source = new EventSource(root.getAttribute("data-stream-url") + "?after=" + lastId(thread));
    source.addEventListener("message", function (event) {
      append(thread, JSON.parse(event.data));
    });
    source.addEventListener("state", function (event) {
      var state = JSON.parse(event.data);
      root.querySelector("[data-role=served-by]").textContent = state.served_by;
      var waiting = root.querySelector("[data-role=waiting]");
      waiting.textContent = state.waiting_text || "";
      waiting.hidden = !state.waiting_text;
      root.querySelector("[data-role=serving]").hidden = !!state.waiting_text;
      var closed = state.status === "closed";
      root.querySelector("[data-role=closed]").hidden = !closed;
      root.querySelector("form[data-role=reply]").hidden = closed;
      if (closed) source.close();
    });
  }

  function workbench(root) {
    var list = root.querySelector("[data-role=list]");
    var thread = root.querySelector(".thread");
    var messagesUrl = root.getAttribute("data-messages-url");
    if (thread) {
      wireCompose(root, thread);
      thread.scrollTop = thread.scrollHeight;
    }
    var busy = false, again = false;

    function resync() {
      if (busy) { again = true; return; }
      busy = true;
      var jobs = [fetch(root.getAttribute("data-list-url"), { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (html === null) return;
        list.innerHTML = html;
        if (messagesUrl) {
          var current = list.querySelector('a[href="' + new URL(messagesUrl, location.href).pathname.replace(/messages\/$/, "") + '"]');
          if (current) current.classList.add("current");
        }
      })];
      if (messagesUrl && thread) {
        jobs.push(fetch(messagesUrl + "?after=" + lastId(thread), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) {
            if (r.status === 404) {
              // Transferred to someone else: it is no longer ours to answer.
              root.querySelectorAll("form[data-role=reply], [data-role=tools]").forEach(function (el) { el.hidden = true; });
              showError(root, root.getAttribute("data-gone-text"));
              return null;
            }
            return r.ok ? r.json() : null;
          })
          .then(function (data) {
            if (!data) return;
            data.messages.forEach(function (m) { append(thread, m); });
            var status = root.querySelector("[data-role=status]");
            if (status) status.textContent = data.status_label;
            var served = root.querySelector("[data-role=served-by]");
            if (served) served.textContent = data.served_by;
            var reply = root.querySelector("form[data-role=reply]");
            if (reply) reply.hidden = !data.can_reply;
            var tools = root.querySelector("[data-role=tools]");
            if (tools) tools.hidden = !data.can_manage;
          }));
      }
      Promise.all(jobs).catch(function () {}).then(function () {
        busy = false;
        if (again) { again = false; resync(); }
      });
    }

    var source = new EventSource(root.getAttribute("data-stream-url"));
    source.addEventListener("changed", resync);

    var heartbeat = parseInt(root.getAttribute("data-heartbeat-ms"), 10) || 0;
    if (heartbeat > 0) {
      var beat = function () {
        var body = new FormData();
        body.append("heartbeat", "1");
        fetch(root.getAttribute("data-presence-url"), {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(document) },
        }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
          // Set away meanwhile (connection lost past the grace period, or another tab): show it.
          if (data && !data.online && root.getAttribute("data-working") === "1") location.reload();
        }).catch(function () {});
      };
      beat();
      setInterval(beat, heartbeat);
    }
  }

  function live(root) {
    var panel = root.querySelector("[data-role=panel]");
    var source = new EventSource(root.getAttribute("data-stream-url"));
    source.addEventListener("changed", function () {
      fetch(root.getAttribute("data-fragment-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) panel.innerHTML = html; })
        .catch(function () {});
    });
  }

  document.querySelectorAll("[data-chat]").forEach(function (root) {
    var kind = root.getAttribute("data-chat");
    if (kind === "buyer") buyer(root);
    else if (kind === "workbench") workbench(root);
    else if (kind === "live") live(root);
  });
})();
