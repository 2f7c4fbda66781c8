/* s2b merchant assistant widget. Embed with one tag:
 *   <script src="https://HOST/widget/widget.js" data-key="s2b_..." defer></script>
 * Optional: data-api="https://HOST" (default: where this script came from), data-lang="zh|en" (default: browser).
 * No build step, no dependencies. Talks to POST /v1/chat (server-sent events over fetch).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__s2bWidget) return;
  window.__s2bWidget = true;

  var KEY = script.getAttribute("data-key") || "";
  var API = (script.getAttribute("data-api") || new URL(script.src, location.href).origin).replace(/\/$/, "");
  var BASE = script.src.replace(/[^/]*$/, "");
  var PINNED_LANG = !!script.getAttribute("data-lang");
  var LANG = (script.getAttribute("data-lang") || navigator.language || "en").toLowerCase().indexOf("zh") === 0 ? "zh" : "en";
  var STORE_KEY = "s2b-conversation-" + KEY.slice(0, 16);

  var TEXT = {
    zh: {
      title: "采购助手", subtitle: "补货 · 选品 · 文案", open: "打开采购助手", close: "关闭",
      placeholder: "问我：该补什么货？", send: "发送", restock: "补货单", copy: "写文案", reply: "回复顾客",
      replyPrompt: "请粘贴顾客的消息：", restockAsk: "给我今天的补货单", copyAsk: "帮我写几条推广文案",
      sku: "货号", product: "商品", qty: "数量", price: "单价", stock: "库存", total: "合计", budget: "预算",
      copyOrder: "复制为订单", copied: "已复制", copyText: "复制", retry: "重试", outOfStock: "缺货",
      offline: "连不上助手服务，请检查网络后重试。", interrupted: "回答中断了，请重试。",
      noKey: "这个组件没有配置密钥（data-key）。", needsHuman: "需人工确认", grounding: "有数字无法核实，已隐藏。",
      flaggedCopy: "这些文案没有通过核查，请修改后再用。",
      wholesale: "批发价", variants: "文案草稿", draft: "回复草稿", orders: "订单", units: "件数", spend: "金额",
      welcome: "您好！我可以帮您生成补货单、找商品、写推广文案、回复顾客。"
    },
    en: {
      title: "Shop assistant", subtitle: "Restock · products · copy", open: "Open the shop assistant", close: "Close",
      placeholder: "Ask: what should I restock?", send: "Send", restock: "Restock list", copy: "Write copy",
      reply: "Reply to a customer", replyPrompt: "Paste the customer's message:", restockAsk: "Give me my restock list",
      copyAsk: "Write some promotional copy for me", sku: "SKU", product: "Product", qty: "Qty", price: "Unit price",
      stock: "Stock", total: "Total", budget: "budget", copyOrder: "Copy as order", copied: "Copied", copyText: "Copy", retry: "Retry",
      outOfStock: "out of stock", offline: "Cannot reach the assistant service. Check your connection and retry.",
      interrupted: "The answer was interrupted. Please retry.", noKey: "This widget has no key (data-key).",
      needsHuman: "check before sending", grounding: "Some numbers could not be verified and were hidden.",
      flaggedCopy: "These drafts did not pass the checks: edit them before use.",
      wholesale: "wholesale", variants: "Copy drafts", draft: "Reply draft", orders: "Orders", units: "Units",
      spend: "Spend", welcome: "Hi! I can make your restock list, find products, write marketing copy and reply to customers."
    }
  }[LANG];

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function money(value, currency) {
    if (value === null || value === undefined || value === "") return "—";
    try {
      return new Intl.NumberFormat(LANG === "zh" ? "zh-CN" : "en-GB", { style: "currency", currency: currency || "GBP" })
        .format(Number(value));
    } catch (e) {
      return value + " " + (currency || "");
    }
  }

  function copyToClipboard(text, button, doneLabel) {
    var restore = button.textContent;
    function done() {
      button.textContent = doneLabel;
      setTimeout(function () { button.textContent = restore; }, 1500);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing else to try */ }
    document.body.removeChild(area);
  }

  // ---- layout (inside a shadow root, so the host page's CSS cannot break it) -----------------------------
  var host = el("div");
  host.id = "s2b-widget";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = BASE + "widget.css";
  root.appendChild(css);

  var launcher = el("button", "s2b-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", TEXT.open);
  launcher.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  var panel = el("section", "s2b-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", TEXT.title);
  panel.hidden = true;
  root.appendChild(launcher);
  root.appendChild(panel);

  var header = el("header", "s2b-header");
  var titles = el("div");
  titles.appendChild(el("div", "s2b-title", TEXT.title));
  titles.appendChild(el("div", "s2b-subtitle", TEXT.subtitle));
  var closeBtn = el("button", "s2b-close", "×");
  closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", TEXT.close);
  header.appendChild(titles);
  header.appendChild(closeBtn);

  var log = el("div", "s2b-messages");
  log.setAttribute("aria-live", "polite");
  var quick = el("div", "s2b-quick");
  var form = el("form", "s2b-form");
  var input = el("textarea", "s2b-input");
  input.rows = 1;
  input.placeholder = TEXT.placeholder;
  input.setAttribute("aria-label", TEXT.placeholder);
  var sendBtn = el("button", "s2b-send", TEXT.send);
  sendBtn.type = "submit";
  form.appendChild(input);
  form.appendChild(sendBtn);
  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(quick);
  panel.appendChild(form);

  var pendingAction = null;
  [
    { label: TEXT.restock, action: "restock_list", ask: TEXT.restockAsk },
    { label: TEXT.copy, action: "draft_copy", ask: TEXT.copyAsk },
    { label: TEXT.reply, action: "draft_reply", prompt: TEXT.replyPrompt }
  ].forEach(function (q) {
    var chip = el("button", "s2b-chip", q.label);
    chip.type = "button";
    chip.setAttribute("data-action", q.action);
    chip.addEventListener("click", function () {
      if (q.prompt) {
        pendingAction = q.action;
        input.placeholder = q.prompt;
        input.focus();
      } else {
        send(q.ask, q.action);
      }
    });
    quick.appendChild(chip);
  });

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function bubble(role) {
    var b = el("div", "s2b-msg s2b-" + role);
    log.appendChild(b);
    scrollDown();
    return b;
  }

  function setOpen(open) {
    panel.hidden = !open;
    launcher.hidden = open;
    if (open) {
      if (!log.childNodes.length) bubble("assistant").appendChild(el("div", "s2b-text", KEY ? TEXT.welcome : TEXT.noKey));
      input.focus();
    }
  }
  launcher.addEventListener("click", function () { setOpen(true); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var message = input.value.trim();
    if (!message) return;
    input.value = "";
    var action = pendingAction;
    pendingAction = null;
    input.placeholder = TEXT.placeholder;
    send(message, action);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  // ---- structured results -------------------------------------------------------------------------------
  function renderRestock(target, data) {
    var box = el("div", "s2b-card s2b-restock");
    var table = el("table", "s2b-table");
    var head = el("tr");
    [TEXT.sku, TEXT.product, TEXT.qty, TEXT.price, TEXT.stock].forEach(function (h) { head.appendChild(el("th", null, h)); });
    var thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    var body = el("tbody");
    (data.items || []).forEach(function (item) {
      var tr = el("tr");
      tr.appendChild(el("td", "s2b-sku", item.sku));
      tr.appendChild(el("td", null, item.title));
      tr.appendChild(el("td", "s2b-num", item.quantity));
      tr.appendChild(el("td", "s2b-num", money(item.unit_price, item.currency)));
      tr.appendChild(el("td", "s2b-num" + (item.stock === 0 ? " s2b-out" : ""),
        item.stock === null || item.stock === undefined ? "—" : item.stock === 0 ? TEXT.outOfStock : item.stock));
      body.appendChild(tr);
    });
    table.appendChild(body);
    var wrap = el("div", "s2b-table-wrap");
    wrap.appendChild(table);
    box.appendChild(wrap);
    var foot = el("div", "s2b-card-foot");
    var currency = data.items && data.items[0] ? data.items[0].currency : "GBP";
    var total = TEXT.total + " " + money(data.total, currency);
    if (data.budget) total += " / " + TEXT.budget + " " + money(data.budget.amount, data.budget.currency);
    foot.appendChild(el("span", "s2b-total", total));
    var copy = el("button", "s2b-action s2b-copy-order", TEXT.copyOrder);
    copy.type = "button";
    copy.addEventListener("click", function () {
      var lines = (data.items || []).map(function (item) { return item.sku + "\t" + item.quantity + "\t" + item.title; });
      copyToClipboard(lines.join("\n"), copy, TEXT.copied);
    });
    foot.appendChild(copy);
    box.appendChild(foot);
    target.appendChild(box);
  }

  function renderCards(target, data) {
    var grid = el("div", "s2b-cards");
    (data.items || []).forEach(function (item) {
      var card = el("div", "s2b-card s2b-product");
      card.appendChild(el("div", "s2b-product-title", item.title));
      card.appendChild(el("div", "s2b-sku", item.sku));
      var line = el("div", "s2b-product-line");
      line.appendChild(el("span", "s2b-price", money(item.price, item.currency) + " " + TEXT.wholesale));
      var stock = item.stock === null || item.stock === undefined ? "" : item.stock === 0 ? TEXT.outOfStock : TEXT.stock + " " + item.stock;
      line.appendChild(el("span", "s2b-stock" + (item.stock === 0 ? " s2b-out" : ""), stock));
      card.appendChild(line);
      grid.appendChild(card);
    });
    target.appendChild(grid);
  }

  function renderTexts(target, title, texts, badge) {
    var box = el("div", "s2b-card s2b-drafts");
    var head = el("div", "s2b-card-title", title);
    if (badge) head.appendChild(el("span", "s2b-badge", badge));
    box.appendChild(head);
    texts.forEach(function (text) {
      var item = el("div", "s2b-draft");
      var body = el("div", "s2b-draft-text", typeof text === "string" ? text : text.text || JSON.stringify(text));
      var copy = el("button", "s2b-action", TEXT.copyText);
      copy.type = "button";
      copy.addEventListener("click", function () { copyToClipboard(body.textContent, copy, TEXT.copied); });
      item.appendChild(body);
      item.appendChild(copy);
      box.appendChild(item);
    });
    target.appendChild(box);
  }

  function renderSales(target, data) {
    var box = el("div", "s2b-card s2b-sales");
    [[TEXT.orders, data.invoices], [TEXT.units, data.units], [TEXT.spend, money(data.spend, data.currency)]].forEach(function (kv) {
      var stat = el("div", "s2b-stat");
      stat.appendChild(el("div", "s2b-stat-value", kv[1]));
      stat.appendChild(el("div", "s2b-stat-label", kv[0]));
      box.appendChild(stat);
    });
    target.appendChild(box);
  }

  // ---- one turn -----------------------------------------------------------------------------------------
  var busy = false;

  function showError(turn, message, retry) {
    turn.bubble.classList.add("s2b-failed");
    var box = el("div", "s2b-error");
    box.setAttribute("role", "alert");
    box.appendChild(el("span", null, message));
    if (retry) {
      var again = el("button", "s2b-action s2b-retry", TEXT.retry);
      again.type = "button";
      again.addEventListener("click", function () {
        box.remove();
        turn.bubble.remove();
        turn.user.remove();
        send(turn.message, turn.action);
      });
      box.appendChild(again);
    }
    turn.bubble.appendChild(box);
    scrollDown();
  }

  function handle(turn, name, data) {
    if (name === "meta" && data.conversation_id) {
      try { sessionStorage.setItem(STORE_KEY, data.conversation_id); } catch (e) { /* private mode */ }
    } else if (name === "token") {
      turn.text.textContent += data.text;
      turn.bubble.classList.add("s2b-streaming");
    } else if (name === "restock_table") {
      renderRestock(turn.results, data);
    } else if (name === "product_cards") {
      renderCards(turn.results, data);
    } else if (name === "copy_variants") {
      renderTexts(turn.results, TEXT.variants, data.variants || [], data.flagged ? TEXT.flaggedCopy : null);
    } else if (name === "reply_draft") {
      renderTexts(turn.results, TEXT.draft, [data.text], data.needs_human ? TEXT.needsHuman : null);
    } else if (name === "sales_summary") {
      renderSales(turn.results, data);
    } else if (name === "grounding" && data.passed === false) {
      turn.bubble.appendChild(el("div", "s2b-note", TEXT.grounding));
    } else if (name === "error") {
      turn.failed = true;
      showError(turn, data.message || TEXT.interrupted, data.retryable !== false);
    } else if (name === "done") {
      turn.done = true;
    }
    scrollDown();
  }

  function parseBlock(block) {
    var name = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event: ") === 0) name = line.slice(7);
      else if (line.indexOf("data: ") === 0) data += line.slice(6);
    });
    return data ? { name: name, data: JSON.parse(data) } : null;
  }

  function setBusy(value) {
    busy = value;
    sendBtn.disabled = value;
    Array.prototype.forEach.call(quick.querySelectorAll("button"), function (b) { b.disabled = value; });
  }

  function send(message, action) {
    if (busy || !KEY) return;
    setBusy(true);
    var user = bubble("user");
    user.appendChild(el("div", "s2b-text", message));
    var b = bubble("assistant");
    var turn = { message: message, action: action, user: user, bubble: b, done: false, failed: false };
    turn.results = el("div", "s2b-results");
    turn.text = el("div", "s2b-text");
    b.appendChild(turn.results);
    b.appendChild(turn.text);
    b.classList.add("s2b-waiting");
    var conversation = null;
    try { conversation = sessionStorage.getItem(STORE_KEY); } catch (e) { /* private mode */ }
    // the UI's language is the browser's; the answer's is the message's (a Chinese question in an English browser
    // gets Chinese), unless the page pins it with data-lang
    var body = { message: message };
    if (PINNED_LANG) body.lang = LANG;
    if (action) body.action = action;
    if (conversation) body.conversation_id = conversation;

    fetch(API + "/v1/chat", {
      method: "POST",
      headers: { "Authorization": "Bearer " + KEY, "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        return response.json().catch(function () { return {}; }).then(function (err) {
          if (response.status === 404 && conversation) {
            try { sessionStorage.removeItem(STORE_KEY); } catch (e) { /* ignore */ }
          }
          var retryable = response.status === 429 || response.status >= 500 || response.status === 404;
          showError(turn, (err.error && err.error.message) || TEXT.offline, retryable);
          turn.failed = true;
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) return;
          buffer += decoder.decode(chunk.value, { stream: true });
          var cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            var block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            var event = parseBlock(block);
            if (event) {
              b.classList.remove("s2b-waiting");
              handle(turn, event.name, event.data);
            }
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (!turn.failed) {
        turn.failed = true;
        showError(turn, TEXT.offline, true);
      }
    }).then(function () {
      b.classList.remove("s2b-waiting");
      b.classList.remove("s2b-streaming");
      if (!turn.done && !turn.failed) showError(turn, TEXT.interrupted, true);
      if (turn.done) b.classList.add("s2b-done");
      setBusy(false);
    });
  }

  window.S2BWidget = { open: function () { setOpen(true); }, send: send, lang: LANG };
})();
