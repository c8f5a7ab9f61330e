// Front Desk lobby kiosk: the conversation as chat bubbles, typed or spoken; replies shown and played.
// Talks only to this server: /kiosk/api/start, /kiosk/api/say, the /kiosk/listen WebSocket, reply audio.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("kiosk-config").textContent);
  const $ = (id) => document.getElementById(id);
  const chat = $("chat"), partial = $("partial"), input = $("text"), mic = $("mic"), audio = $("reply-audio");
  const panel = $("registered");
  const IDLE_RESET_S = 180;

  const state = { lang: config.lang, conversation: null, busy: false, listening: null, resetTimer: null,
                  countdown: null, idleTimer: null };
  const words = () => config.text[state.lang];

  // ------------------------------------------------------------------ language and page words

  function applyLanguage(lang) {
    state.lang = lang;
    document.body.dataset.lang = lang;
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-word]").forEach((el) => { el.textContent = words()[el.dataset.word]; });
    input.placeholder = words().placeholder;
    document.querySelectorAll(".kiosk-lang button").forEach((b) => b.classList.toggle("on", b.dataset.lang === lang));
    const speech = Boolean(config.speech[lang]);
    if (!state.listening) {
      mic.disabled = !speech;
      $("mic-label").dataset.word = speech ? "speak" : "no_speech";
      $("mic-label").textContent = words()[$("mic-label").dataset.word];
    }
  }

  // ------------------------------------------------------------------ the conversation

  function bubble(kind, text, extra) {
    const item = document.createElement("li");
    item.className = `bubble ${kind}${extra ? " " + extra : ""}`;
    item.textContent = text; // never innerHTML: the visitor's and the dialogue's text is text
    chat.appendChild(item);
    chat.scrollTop = chat.scrollHeight;
    return item;
  }

  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                         body: JSON.stringify(body), credentials: "same-origin" });
    if (response.status === 404 && path.endsWith("/say")) return { expired: true };
    if (response.status === 429) throw new Error("rate_limited");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  function failed(error) {
    // the kiosk's own words for what went wrong: too many requests, or the dialogue not answering
    return error && error.message === "rate_limited" ? words().slow_down : words().unavailable;
  }

  function showReply(reply) {
    state.conversation = reply.conversation || state.conversation;
    if (reply.language && reply.language !== state.lang) applyLanguage(reply.language);
    reply.texts.forEach((text) => bubble("receptionist", text));
    if (reply.audio) speak(reply.audio);
    if (reply.visit) showRegistered(reply.visit, reply.texts.join(" "));
    else if (reply.ended) scheduleReset(config.reset_after_s);
  }

  function speak(url) {
    audio.dataset.played = "";
    audio.src = url;
    audio.play().catch(() => { /* autoplay refused: the text is on screen */ });
  }

  async function start() {
    clearTimers();
    stopListening();
    audio.pause();
    panel.hidden = true;
    chat.replaceChildren();
    state.conversation = null;
    applyLanguage(config.lang);
    const waiting = bubble("receptionist", words().thinking, "thinking");
    try {
      const reply = await post("/kiosk/api/start", { lang: config.lang });
      waiting.remove();
      showReply(reply);
    } catch (error) {
      waiting.remove();
      bubble("notice", failed(error));
      state.resetTimer = setTimeout(start, 15000);
    }
    touched();
  }

  async function sendText(text, spoken) {
    text = text.trim();
    if (!text || state.busy) return;
    if (!state.conversation) { await start(); }
    state.busy = true;
    if (!spoken) bubble("visitor", text);
    const waiting = bubble("receptionist", words().thinking, "thinking");
    try {
      const reply = await post("/kiosk/api/say", { conversation: state.conversation, text });
      waiting.remove();
      if (reply.expired) { state.busy = false; await start(); return; }
      showReply(reply);
    } catch (error) {
      waiting.remove();
      bubble("notice", failed(error));
    } finally {
      state.busy = false;
      touched();
    }
  }

  // ------------------------------------------------------------------ registered: the panel, then a fresh start

  function showRegistered(visit, said) {
    $("visit-visitor").textContent = visit.visitor;
    $("visit-host").textContent = visit.host;
    $("visit-seat").textContent = words().seat.replace("{host}", visit.host);
    // the receptionist's words, unless they only repeat the seating guidance (a host who is out: the question)
    $("visit-said").textContent = /先坐一下|take a seat/.test(said) ? "" : said;
    panel.hidden = false;
    scheduleReset(config.reset_after_s);
  }

  function scheduleReset(seconds) {
    clearTimers();
    let left = seconds;
    const note = () => { $("reset-note").textContent = words().reset_in.replace("{s}", left); };
    note();
    state.countdown = setInterval(() => { left = Math.max(0, left - 1); note(); }, 1000);
    state.resetTimer = setTimeout(start, seconds * 1000);
  }

  function clearTimers() {
    clearTimeout(state.resetTimer);
    clearInterval(state.countdown);
    clearTimeout(state.idleTimer);
    state.resetTimer = state.countdown = state.idleTimer = null;
  }

  function touched() {
    // a visitor who walks away mid-conversation: start afresh for the next one
    clearTimeout(state.idleTimer);
    if (!state.resetTimer) state.idleTimer = setTimeout(start, IDLE_RESET_S * 1000);
  }

  // ------------------------------------------------------------------ the microphone

  function setListening(on) {
    mic.setAttribute("aria-pressed", on ? "true" : "false");
    $("mic-label").dataset.word = on ? "listening" : "speak";
    $("mic-label").textContent = words()[$("mic-label").dataset.word];
  }

  async function startListening() {
    if (!state.conversation || state.busy) return;
    audio.pause();
    const protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${protocol}//${location.host}/kiosk/listen/${encodeURIComponent(state.conversation)}?lang=${state.lang}`;
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    const listening = { socket, stream: null, context: null };
    state.listening = listening;
    setListening(true);
    socket.onmessage = (event) => onHeard(listening, JSON.parse(event.data));
    socket.onclose = () => { if (state.listening === listening) stopListening(); };
  }

  async function capture(listening) {
    try {
      listening.stream = await navigator.mediaDevices.getUserMedia(
        { audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
      listening.context = new AudioContext();
      await listening.context.audioWorklet.addModule("/static/kiosk.worklet.js");
      const source = listening.context.createMediaStreamSource(listening.stream);
      const tap = new AudioWorkletNode(listening.context, "pcm16k");
      tap.port.onmessage = (event) => {
        if (listening.socket.readyState === WebSocket.OPEN) listening.socket.send(event.data);
      };
      source.connect(tap);
      tap.connect(listening.context.destination); // keeps the graph pulling; the tap outputs silence
    } catch (error) {
      bubble("notice", words().no_speech);
      stopListening();
    }
  }

  function onHeard(listening, message) {
    touched();
    if (message.type === "ready") {
      capture(listening);
    } else if (message.type === "partial") {
      partial.hidden = false;
      partial.textContent = message.text;
    } else if (message.type === "final") {
      partial.hidden = true;
      releaseMicrophone(listening);
      bubble("visitor", message.text, "spoken");
      state.busy = true;
      listening.waiting = bubble("receptionist", words().thinking, "thinking");
    } else if (message.type === "reply") {
      if (listening.waiting) listening.waiting.remove();
      state.busy = false;
      showReply(message);
    } else if (message.type === "nothing") {
      partial.hidden = true;
      bubble("notice", words().heard_nothing);
    } else if (message.type === "error") {
      if (listening.waiting) listening.waiting.remove();
      state.busy = false;
      bubble("notice", message.error === "unavailable" ? words().unavailable : words().no_speech);
    }
  }

  function releaseMicrophone(listening) {
    if (listening.stream) listening.stream.getTracks().forEach((track) => track.stop());
    if (listening.context) listening.context.close().catch(() => {});
    listening.stream = listening.context = null;
  }

  function stopListening() {
    const listening = state.listening;
    if (!listening) return;
    state.listening = null;
    releaseMicrophone(listening);
    if (listening.socket.readyState === WebSocket.OPEN) listening.socket.close();
    if (listening.waiting) listening.waiting.remove();
    state.busy = false;
    partial.hidden = true;
    setListening(false);
    applyLanguage(state.lang);
  }

  // ------------------------------------------------------------------ wiring

  $("typed").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    sendText(text, false);
  });
  mic.addEventListener("click", () => {
    if (state.listening) {
      if (state.listening.socket.readyState === WebSocket.OPEN) state.listening.socket.send("stop");
    } else {
      startListening();
    }
  });
  document.querySelectorAll(".kiosk-lang button").forEach((button) => button.addEventListener("click", () => {
    const lang = button.dataset.lang;
    if (lang === state.lang) return;
    applyLanguage(lang);
    if (state.conversation) sendText(config.switch[lang], false); // the visitor's choice, said for them
  }));
  $("continue").addEventListener("click", () => { clearTimers(); panel.hidden = true; touched(); });
  $("finish").addEventListener("click", start);
  audio.addEventListener("playing", () => { audio.dataset.played = "playing"; });
  audio.addEventListener("ended", () => { audio.dataset.played = "ended"; });

  // ------------------------------------------------------------------ lobby announcements (bot/web/pages/announcements.py)
  // Asks what is due since the last answer's `until` (kept across reloads, so nothing is said twice);
  // says each after any reply a visitor is waiting for or hearing, and shows its text as a notice.

  const UNTIL_KEY = "frontdesk.announcements.until";
  const announcing = { queue: [], clips: [], url: null, retry: null };

  async function pollAnnouncements() {
    let next = 15;
    try {
      const query = new URLSearchParams({ lang: state.lang });
      const since = localStorage.getItem(UNTIL_KEY);
      if (since) query.set("since", since);
      const response = await fetch(`/kiosk/api/announcements?${query}`, { credentials: "same-origin" });
      if (response.ok) {
        const answer = await response.json();
        localStorage.setItem(UNTIL_KEY, answer.until);
        next = answer.next_poll_s || next;
        announcing.queue.push(...answer.announcements);
      }
    } catch (error) { /* the server is away: ask again later */ }
    setTimeout(pollAnnouncements, next * 1000);
    announceNext();
  }

  function visitorWaitsOrHears() {
    // not `audio.ended`: it turns true when the end is reached, a moment before the task that pauses the
    // element and fires "ended" (and a new src now would drop that event); `paused` turns with that task
    const replying = audio.src && !audio.paused && !announcing.url;
    const waiting = Boolean(chat.querySelector(".bubble.thinking")); // a start or a turn on its way
    return state.busy || Boolean(state.listening) || replying || waiting;
  }

  function announceNext() {
    if (announcing.url || announcing.clips.length || !announcing.queue.length) return;
    clearTimeout(announcing.retry);
    if (visitorWaitsOrHears()) { announcing.retry = setTimeout(announceNext, 1000); return; }
    const item = announcing.queue.shift();
    item.texts.forEach((text) => { bubble("notice", item.label + text, "announcement").dataset.announcement = item.id; });
    announcing.clips = item.clips.filter((clip) => clip.audio).map((clip) => clip.audio);
    sayNextClip();
  }

  function sayNextClip() {
    announcing.url = announcing.clips.shift() || null;
    if (!announcing.url) { announceNext(); return; }
    audio.dataset.played = "";
    audio.src = announcing.url;
    audio.play().catch(dropAnnouncement); // autoplay refused, or a reply took over: the text is on screen
  }

  function dropAnnouncement() {
    announcing.clips = [];
    announcing.url = null;
  }

  function clipOver() {
    if (!announcing.url) return;
    if (audio.getAttribute("src") === announcing.url) { sayNextClip(); return; }
    dropAnnouncement(); // a visitor's reply replaced it (the visitor comes first)
    announceNext();
  }
  audio.addEventListener("ended", clipOver);
  audio.addEventListener("error", clipOver);
  audio.addEventListener("pause", () => { if (announcing.url && !audio.ended) dropAnnouncement(); }); // mic, or a fresh start

  pollAnnouncements();
  start();
})();
