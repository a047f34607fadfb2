// The netadvisor page: builds the request form from the API's own JSON schema (so every field and its
// help text come from the model and never drift), posts it to /v1/recommendations and renders the answer.
// Plain DOM calls only: nothing from the server or the user is ever parsed as HTML.
//
// Languages: the page's own strings are in strings.json (one object per language, the same keys; a test
// fails when one lacks a key). The field help texts come from /v1/request-fields in the chosen language,
// and every API call says the language, so the answer, its reasons and the rule panels match the page.
"use strict";

(function () {
  const SECTIONS = ["requirements", "deployment"];
  const COMMAND_GROUPS = ["prerequisites", "network", "run", "service"];
  let STRINGS = { en: {} };
  let language = "en";

  // The same mapping as the API's (service/i18n.py, language_of): zh, zh-CN, zh-Hans, zh-SG are
  // Simplified Chinese; Traditional Chinese (Hant, zh-TW, zh-HK, zh-MO) has no texts, so it is not zh-CN.
  function languageOf(tag) {
    const parts = String(tag || "").trim().replace(/_/g, "-").toLowerCase().split("-");
    if (parts[0] === "en") return "en";
    if (parts[0] !== "zh") return null;
    const rest = parts.slice(1);
    if (rest.includes("hant")) return null;
    if (rest.includes("hans")) return "zh-CN";
    return rest.some((part) => ["tw", "hk", "mo"].includes(part)) ? null : "zh-CN";
  }

  // `?lang=` wins, then the browser's languages in their order, then English.
  function chosenLanguage() {
    const asked = languageOf(new URLSearchParams(window.location.search).get("lang"));
    if (asked) return asked;
    for (const tag of navigator.languages || [navigator.language]) {
      const found = languageOf(tag);
      if (found) return found;
    }
    return "en";
  }

  function text(key, values) {
    let message = (STRINGS[language] || {})[key] || STRINGS.en[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      message = message.split("{" + name + "}").join(String(value));
    }
    return message;
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // Descriptions use Markdown `code` spans; show them as <code>, everything else as text.
  function setWithCode(node, message) {
    node.replaceChildren();
    String(message || "").split("`").forEach((part, index) => {
      node.append(index % 2 ? el("code", { text: part }) : document.createTextNode(part));
    });
    return node;
  }

  function withCode(tag, attributes, message) {
    return setWithCode(el(tag, attributes), message);
  }

  // -- the form, from the schema ---------------------------------------------------------------------

  function resolve(schema, root) {
    if (schema && schema.$ref) {
      const name = schema.$ref.split("/").pop();
      return Object.assign({}, root.components.schemas[name], schema, { $ref: undefined });
    }
    return schema;
  }

  // What kind of input a field gets: {kind: bool|enum|int|list|string, optional, enum, min, max}.
  function fieldKind(schema, root) {
    const own = resolve(schema, root);
    const options = (own.anyOf || [own]).map((option) => resolve(option, root));
    const optional = options.some((option) => option.type === "null");
    const enumOption = options.find((option) => Array.isArray(option.enum));
    if (enumOption) return { kind: "enum", optional, enum: enumOption.enum };
    const main = options.find((option) => option.type !== "null") || {};
    const kinds = { boolean: "bool", integer: "int", array: "list" };
    return { kind: kinds[main.type] || "string", optional, min: main.minimum, max: main.maximum };
  }

  function fieldInput(id, kind, schema) {
    if (kind.kind === "bool") {
      return el("input", { id, type: "checkbox", checked: schema.default === true });
    }
    if (kind.kind === "enum") {
      const select = el("select", { id });
      if (kind.optional) select.append(el("option", { value: "", class: "unset" }));
      for (const value of kind.enum) {
        select.append(el("option", { value, text: value, selected: value === schema.default }));
      }
      return select;
    }
    if (kind.kind === "int") {
      return el("input", { id, type: "number", min: kind.min, max: kind.max, step: 1, value: schema.default });
    }
    const examples = schema.examples && schema.examples[0];
    const placeholder = Array.isArray(examples) ? examples.join(", ") : examples;
    return el("input", { id, type: "text", placeholder, autocomplete: "off" });
  }

  // The form's structure; its texts are set by labelForm, again whenever the language changes.
  function buildForm(root) {
    const request = root.components.schemas.RecommendationRequest;
    const container = document.getElementById("sections");
    container.replaceChildren();
    const layout = { sections: [], fields: [] };
    for (const section of SECTIONS) {
      const model = resolve(request.properties[section], root);
      const legend = el("legend");
      const help = el("p", { class: "help" });
      const fieldset = el("fieldset", { id: "section-" + section }, legend, help);
      layout.sections.push({ section, legend, help, english: model.description });
      for (const [name, schema] of Object.entries(model.properties)) {
        const path = section + "." + name;
        const id = "field-" + path;
        const kind = fieldKind(schema, root);
        const input = fieldInput(id, kind, schema);
        const label = el("label", { for: id, text: name });
        const wrapper = el("div", { class: "field field-" + kind.kind, "data-field": path });
        if (kind.kind === "bool") wrapper.append(input, " ", label);
        else wrapper.append(label, input);
        const fieldHelp = el("p", { class: "help", id: id + "-help" });
        wrapper.append(fieldHelp, el("p", { class: "error", id: id + "-error", role: "alert", hidden: true }));
        input.setAttribute("aria-describedby", id + "-help " + id + "-error");
        fieldset.append(wrapper);
        layout.fields.push({ section, name, path, kind, input, schema, help: fieldHelp });
      }
      container.append(fieldset);
    }
    return layout;
  }

  // `described` maps a section or a field path to its help text in the page's language; what it lacks
  // (the route failed) keeps the schema's English text.
  function labelForm(layout, described) {
    for (const section of layout.sections) {
      section.legend.textContent = text("section_" + section.section);
      const help = described[section.section] || section.english;
      setWithCode(section.help, help).hidden = !help;
    }
    for (const field of layout.fields) {
      const description = described[field.path] || field.schema.description;
      setWithCode(field.help, field.kind.kind === "list" ? description + " " + text("listHint") : description);
    }
    for (const option of document.querySelectorAll("#sections option.unset")) option.textContent = text("unset");
  }

  const helpTexts = {};

  // The field help texts of a language, from the API (cached; an answer that failed is asked again).
  async function fieldHelp(wanted) {
    if (helpTexts[wanted]) return helpTexts[wanted];
    try {
      const response = await fetch("/v1/request-fields?lang=" + encodeURIComponent(wanted),
        { headers: { accept: "application/json" } });
      if (!response.ok) return {};
      const described = {};
      for (const section of await response.json()) {
        described[section.section] = section.description;
        for (const field of section.fields) described[field.field] = field.description;
      }
      helpTexts[wanted] = described;
      return described;
    } catch (failure) {
      return {};
    }
  }

  // Only what the user set is sent: defaults stay the server's, so the answer's assumptions stay honest.
  function fieldValue(field) {
    const { kind, input, schema } = field;
    if (kind.kind === "bool") return input.checked === (schema.default === true) ? undefined : input.checked;
    const raw = input.value.trim();
    if (raw === "") return undefined;
    if (kind.kind === "enum") return raw === schema.default ? undefined : raw;
    if (kind.kind === "int") return Number(raw);
    if (kind.kind === "list") return raw.split(",").map((part) => part.trim()).filter(Boolean);
    return raw;
  }

  function requestBody(fields) {
    const body = { requirements: {}, deployment: {} };
    for (const field of fields) {
      const value = fieldValue(field);
      if (value !== undefined) body[field.section][field.name] = value;
    }
    return body;
  }

  // -- errors next to their fields -------------------------------------------------------------------

  function clearErrors() {
    for (const node of document.querySelectorAll(".field.invalid")) node.classList.remove("invalid");
    for (const node of document.querySelectorAll(".field .error")) {
      node.textContent = "";
      node.hidden = true;
    }
    const general = document.getElementById("form-error");
    general.textContent = "";
    general.hidden = true;
  }

  // `requirements.ports[1]` belongs to the `requirements.ports` field.
  function fieldFor(path) {
    const base = String(path || "").replace(/\[\d+\].*$/, "");
    return document.querySelector('.field[data-field="' + CSS.escape(base) + '"]');
  }

  function showErrors(envelope) {
    const error = (envelope && envelope.error) || {};
    const details = Array.isArray(error.details) ? error.details : [];
    const general = [];
    for (const detail of details) {
      const field = fieldFor(detail.field);
      if (!field) {
        general.push(detail.message);
        continue;
      }
      field.classList.add("invalid");
      const slot = field.querySelector(".error");
      slot.textContent = slot.textContent ? slot.textContent + " " + detail.message : detail.message;
      slot.hidden = false;
    }
    const box = document.getElementById("form-error");
    const placed = details.length > general.length;
    const messages = general.length ? general : [placed ? text("fixFields") : error.message || ""];
    box.textContent = messages.join(" ");
    box.hidden = !box.textContent;
    const first = document.querySelector(".field.invalid input, .field.invalid select");
    if (first) first.focus();
  }

  // -- the answer ------------------------------------------------------------------------------------

  function apiHeaders() {
    const headers = { accept: "application/json", "accept-language": language };
    const key = document.getElementById("api-key").value.trim();
    if (key) headers.authorization = "Bearer " + key;
    return headers;
  }

  function safeLink(url) {
    return /^https?:\/\//.test(url || "") ? el("a", { href: url, rel: "noopener noreferrer", text: url }) : null;
  }

  // A click shows the rule here (fetched with the key, which a plain link could not send); the link
  // itself still opens the rule's JSON in a new tab.
  async function showRule(href) {
    const panel = document.getElementById("rule-panel");
    panel.hidden = false;
    panel.replaceChildren(el("p", { text: text("working") }));
    try {
      const response = await fetch(href, { headers: apiHeaders() });
      const rule = await response.json();
      if (!response.ok) throw new Error((rule.error && rule.error.message) || "HTTP " + response.status);
      const close = el("button", { type: "button", class: "close", text: text("close") });
      close.addEventListener("click", () => { panel.hidden = true; });
      panel.replaceChildren(close,
        el("h3", {}, el("code", { text: rule.id }), " " + rule.name),
        withCode("p", {}, rule.summary),
        withCode("p", { class: "help" }, rule.rationale),
        el("p", {}, text("source"), safeLink(rule.source)));
    } catch (failure) {
      panel.replaceChildren(el("p", { class: "error", text: text("requestFailed") + failure.message }));
    }
  }

  function ruleLink(rule) {
    const path = rule.startsWith("NR") ? "/v1/review-rules/" : "/v1/rules/";
    // `lang` in the link: a new tab cannot send the page's Accept-Language.
    const href = path + encodeURIComponent(rule) + "?lang=" + encodeURIComponent(language);
    const link = el("a", { href, class: "rule", text: rule });
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      showRule(link.getAttribute("href"));
    });
    return link;
  }

  function copyBlock(content, name) {
    const pre = el("pre", { "data-copy": name }, el("code", { text: content }));
    const button = el("button", { type: "button", class: "copy", text: text("copy") });
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(content);
        button.textContent = text("copied");
      } catch (failure) {
        button.textContent = text("copyFailed");
      }
      setTimeout(() => { button.textContent = text("copy"); }, 2000);
    });
    return el("div", { class: "block" }, pre, button);
  }

  function messageList(items, heading, cssClass) {
    if (!items || !items.length) return null;
    const list = el("ul", { class: cssClass });
    for (const item of items) {
      const effect = item.effect ? " (" + item.effect + ")" : "";
      list.append(el("li", {}, ruleLink(item.rule), effect + ": ", withCode("span", {}, item.message)));
    }
    return el("div", {}, el("h4", { text: text(heading) }), list);
  }

  function commandsSection(commands, driver) {
    if (!commands) return null;
    const section = el("div", { class: "commands" }, el("h4", { text: text("commands") }));
    for (const group of COMMAND_GROUPS) {
      const list = commands[group] || [];
      if (!list.length) continue;
      section.append(el("h5", { text: text(group) }));
      // As in the text/Markdown answers: `run` and `service` start the same app two ways, not both.
      if (group === "service" && commands.alternatives) {
        section.append(withCode("p", { class: "help" }, commands.alternatives));
      }
      list.forEach((command, index) => {
        section.append(withCode("p", { class: "help" }, command.description));
        section.append(copyBlock(command.command, driver + "-" + group + "-" + index));
      });
    }
    if (commands.compose) {
      section.append(el("h5", { text: text("compose") }), copyBlock(commands.compose, driver + "-compose"));
    }
    return section;
  }

  function rankingTable(ranking) {
    const head = el("tr", {}, ...["rank", "driver", "scoreHeading", "viable", "summary"].map((key) => el("th", { text: text(key) })));
    const table = el("table", { id: "ranking" }, el("thead", {}, head));
    const body = el("tbody");
    for (const result of ranking) {
      body.append(el("tr", { class: result.viable ? "viable" : "excluded", "data-driver": result.driver },
        el("td", { text: String(result.rank) }),
        el("td", {}, el("code", { text: result.driver })),
        el("td", { text: String(result.score) }),
        el("td", { text: text(result.viable ? "yes" : "no") }),
        withCode("td", {}, result.summary)));
    }
    table.append(body);
    return table;
  }

  function driverDetails(result, open) {
    return el("details", { open, id: "driver-" + result.driver },
      el("summary", { text: text("details", { driver: result.driver }) }),
      messageList(result.reasons, "reasons", "reasons"),
      messageList(result.warnings, "warnings", "warnings"),
      commandsSection(result.commands, result.driver));
  }

  function noFitSections(answer) {
    const parts = [];
    if (answer.conflicts && answer.conflicts.length) {
      const list = el("ul", { id: "conflicts" });
      for (const conflict of answer.conflicts) {
        for (const exclusion of conflict.excluded_by) {
          const instead = exclusion.instead ? withCode("span", {}, " " + text("instead") + exclusion.instead) : null;
          list.append(el("li", {}, el("code", { text: conflict.driver }), ": ", ruleLink(exclusion.rule), " ",
            withCode("span", {}, exclusion.message), instead));
        }
      }
      parts.push(el("h3", { text: text("conflicts") }), list);
    }
    if (answer.relaxations && answer.relaxations.length) {
      const list = el("ul", { id: "relaxations" });
      for (const item of answer.relaxations) {
        list.append(el("li", { text: text("relaxation", {
          requirement: item.requirement, current: JSON.stringify(item.current),
          relaxed: JSON.stringify(item.relaxed), driver: item.recommendation }) }));
      }
      parts.push(el("h3", { text: text("relaxations") }), list);
    }
    const compromise = answer.compromise;
    if (compromise) {
      const list = el("ul");
      for (const given of compromise.gives_up) {
        list.append(el("li", {}, ruleLink(given.rule), ": ", withCode("span", {}, given.message), " ",
          withCode("strong", {}, given.make_up)));
      }
      parts.push(el("section", { id: "compromise" },
        el("h3", { text: text("compromise", { driver: compromise.driver }) }),
        el("h4", { text: text("givesUp") }), list,
        commandsSection(compromise.commands, "compromise-" + compromise.driver)));
    }
    return parts;
  }

  function assumptionsList(assumptions) {
    if (!assumptions || !assumptions.length) return [];
    const list = el("ul", { id: "assumptions" });
    for (const item of assumptions) {
      list.append(el("li", {}, el("code", { text: item.field }), " = ", el("code", { text: item.value }), ": ",
        withCode("span", {}, item.note)));
    }
    return [el("h3", { text: text("assumptions") }), list];
  }

  function renderAnswer(answer) {
    const top = answer.ranking[0];
    const verdict = answer.recommendation
      ? el("p", { class: "verdict", id: "verdict" }, text("recommended", { driver: answer.recommendation }), " ",
        el("span", { class: "help", text: text("score", { score: top.score }) }))
      : el("p", { class: "verdict none", id: "verdict", text: text("nothingFits") });
    const details = answer.ranking.map((result, index) => driverDetails(result, index === 0 && result.viable));
    document.getElementById("answer").replaceChildren(
      el("aside", { id: "rule-panel", hidden: true }),
      verdict,
      answer.recommendation ? withCode("p", {}, top.summary) : null,
      ...noFitSections(answer),
      el("h3", { text: text("ranking") }),
      rankingTable(answer.ranking),
      ...details,
      ...assumptionsList(answer.assumptions));
  }

  // -- wiring ----------------------------------------------------------------------------------------

  // Each request gets a number; an answer that arrives after a newer request was sent is dropped, so
  // the page always shows the answer to what the form says now.
  let latestRequest = 0;

  async function submit(fields) {
    const sequence = ++latestRequest;
    const askedIn = language;
    const button = document.getElementById("submit");
    button.disabled = true;
    button.textContent = text("working");
    const headers = Object.assign(apiHeaders(), { "content-type": "application/json" });
    let data = null;
    let ok = false;
    try {
      const response = await fetch("/v1/recommendations", {
        method: "POST", headers, body: JSON.stringify(requestBody(fields)) });
      data = await response.json();
      ok = response.ok;
    } catch (failure) {
      data = { error: { message: text("requestFailed") + failure } };
    }
    if (sequence !== latestRequest) return;
    if (askedIn !== language) {
      submit(fields); // the language was switched while this was on its way: ask again in the new one
      return;
    }
    button.disabled = false;
    button.textContent = text("submit");
    clearErrors();
    if (ok) {
      renderAnswer(data);
    } else {
      document.getElementById("answer").replaceChildren(); // an old answer beside an error would mislead
      showErrors(data);
    }
  }

  // Once there is an answer, it follows the form: a changed field asks again (after a short pause, so a
  // burst of changes sends one request).
  function followChanges(form, fields) {
    let timer = null;
    form.addEventListener("change", (event) => {
      if (event.target.id === "api-key" || !document.getElementById("verdict")) return;
      clearTimeout(timer);
      timer = setTimeout(() => submit(fields), 250);
    });
  }

  // The page's own texts in `language`, and `<html lang>` so that fonts, screen readers and search
  // read the page as what it is.
  function showLanguage() {
    document.documentElement.lang = language;
    document.title = text("pageTitle");
    for (const node of document.querySelectorAll("[data-text]")) node.textContent = text(node.dataset.text);
    for (const button of document.querySelectorAll("#language-switch button")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === language));
    }
  }

  // The switch changes the page in place: the form keeps what the user typed, the help texts follow,
  // and a shown answer is asked for again in the new language. The new help texts are fetched first, so
  // the whole page changes at once; of two quick clicks the last one wins. The URL's `?lang=` keeps the
  // choice on reload and in a shared link.
  function followSwitch(layout) {
    let switches = 0;
    for (const button of document.querySelectorAll("#language-switch button")) {
      button.addEventListener("click", async () => {
        const wanted = button.dataset.lang;
        const turn = ++switches;
        const described = await fieldHelp(wanted);
        if (turn !== switches || wanted === language) return;
        language = wanted;
        const url = new URL(window.location.href);
        url.searchParams.set("lang", language === "zh-CN" ? "zh" : "en");
        window.history.replaceState(null, "", url);
        showLanguage();
        labelForm(layout, described);
        const rulePanel = document.getElementById("rule-panel");
        if (rulePanel) rulePanel.hidden = true;
        if (document.getElementById("verdict")) submit(layout.fields);
      });
    }
  }

  async function loadStrings() {
    const response = await fetch("/static/ui/strings.json");
    if (!response.ok) throw new Error("/static/ui/strings.json: HTTP " + response.status);
    STRINGS = await response.json();
  }

  async function start() {
    const form = document.getElementById("request-form");
    try {
      await loadStrings();
      language = chosenLanguage();
      showLanguage();
      const [response, described] = await Promise.all([fetch("/openapi.json"), fieldHelp(language)]);
      if (!response.ok) throw new Error("HTTP " + response.status);
      const layout = buildForm(await response.json());
      labelForm(layout, described);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        submit(layout.fields);
      });
      followChanges(form, layout.fields);
      followSwitch(layout);
      form.dataset.ready = "true";
    } catch (failure) {
      document.getElementById("sections").replaceChildren(el("p", { class: "error", text: text("formLoadFailed") + failure }));
    }
  }

  start();
})();
