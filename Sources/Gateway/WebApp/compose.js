// A new invoice: spoken (MediaRecorder, a timer and a level meter, uploaded with progress) or typed.
import * as api from "./api.js";
import { busy, field, h, replace } from "./dom.js";

const MAX_SECONDS = 120;

export async function composeView({ navigate }) {
  const status = h("p", { class: "recorder-status", role: "status", "aria-live": "polite" }, "Press Record and say who to bill, for what and at what price.");
  const timer = h("span", { class: "timer", "aria-label": "Recording time" }, "0:00");
  const level = h("meter", { class: "level", min: 0, max: 1, value: 0, "aria-label": "Microphone level" });
  const progress = h("progress", { class: "upload", max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
  const record = h("button", { type: "button", class: "primary record" }, "Record");
  const stop = h("button", { type: "button", class: "primary", hidden: true }, "Stop and create draft");
  const discard = h("button", { type: "button", class: "secondary", hidden: true }, "Discard and record again");
  const voiceAlert = h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true });

  const transcript = h("textarea", { name: "transcript", rows: 4, maxlength: 10000, required: true,
    placeholder: "Bill Acme for twelve hours of design at 85 dollars, due in two weeks" });
  const create = h("button", { type: "submit", class: "primary" }, "Create draft");
  const typed = h("form", { class: "card", novalidate: true, "aria-labelledby": "typed-heading" },
    h("h2", { id: "typed-heading" }, "Type or paste the sentence"),
    h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    field("What to bill", transcript), h("div", { class: "actions" }, create));

  let recorder = null;
  let stream = null;
  let chunks = [];
  let started = 0;
  let ticking = null;
  let meterFrame = null;
  let audioContext = null;
  let keep = false;

  function resetControls() {
    record.hidden = false;
    stop.hidden = true;
    discard.hidden = true;
    clearInterval(ticking);
    cancelAnimationFrame(meterFrame);
    level.value = 0;
    stream?.getTracks().forEach((track) => track.stop());
    audioContext?.close().catch(() => {});
    stream = null;
    audioContext = null;
  }

  function showVoiceProblem(message, offerTyping) {
    replace(voiceAlert, message, offerTyping ? [" ", h("a", { href: "#typed-heading", on: { click: (event) => { event.preventDefault(); transcript.focus(); } } }, "Type it instead.")] : null);
    voiceAlert.hidden = false;
    voiceAlert.focus();
  }

  record.addEventListener("click", async () => {
    voiceAlert.hidden = true;
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") {
      return showVoiceProblem("This browser cannot record audio.", true);
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      return showVoiceProblem("The microphone is not available (permission refused or no device).", true);
    }
    const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"].find((candidate) => MediaRecorder.isTypeSupported(candidate));
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    chunks = [];
    keep = false;
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", () => {
      resetControls();
      if (keep) submitRecording(new Blob(chunks, { type: recorder.mimeType || "audio/webm" }));
      else status.textContent = "Recording discarded. Press Record to try again.";
    });
    recorder.start(250);
    started = performance.now();
    record.hidden = true;
    stop.hidden = false;
    discard.hidden = false;
    stop.focus();
    status.textContent = "Recording… speak now.";
    ticking = setInterval(() => {
      const seconds = Math.floor((performance.now() - started) / 1000);
      timer.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
      if (seconds >= MAX_SECONDS) stopRecording(true);
    }, 250);
    meter(stream);
  });

  function meter(source) {
    try {
      audioContext = new AudioContext();
      const analyser = audioContext.createAnalyser();
      analyser.fftSize = 512;
      audioContext.createMediaStreamSource(source).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const draw = () => {
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const sample of samples) sum += sample * sample;
        level.value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
        meterFrame = requestAnimationFrame(draw);
      };
      draw();
    } catch { /* no level meter; recording still works */ }
  }

  function stopRecording(submit) {
    keep = submit;
    if (recorder?.state === "recording") recorder.stop();
  }
  stop.addEventListener("click", () => stopRecording(true));
  discard.addEventListener("click", () => stopRecording(false));

  async function submitRecording(blob) {
    const extension = blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm";
    const form = new FormData();
    form.append("audio", blob, `speech.${extension}`);
    progress.hidden = false;
    progress.value = 0;
    record.disabled = true;
    status.textContent = "Uploading…";
    try {
      const invoice = await api.upload("/api/invoices/voice", form, {
        headers: { "Idempotency-Key": api.idempotencyKey() },
        onProgress: (fraction) => {
          progress.value = fraction;
          if (fraction >= 1) status.textContent = "Listening to the recording and drafting the invoice…";
        },
      });
      navigate(`/invoices/${invoice.id}?new=voice`);
    } catch (error) {
      status.textContent = "";
      if (error.status === 503) showVoiceProblem("Voice is not configured on this server.", true);
      else showVoiceProblem(error.friendly ?? String(error), error.status === 422 || error.status === 502);
    } finally {
      progress.hidden = true;
      record.disabled = false;
    }
  }

  typed.addEventListener("submit", async (event) => {
    event.preventDefault();
    const alert = typed.querySelector(".form-alert");
    alert.hidden = true;
    if (!transcript.value.trim()) {
      replace(alert, "Type what to bill first.");
      alert.hidden = false;
      return transcript.focus();
    }
    try {
      const invoice = await busy(create, () => api.json("POST", "/api/invoices/transcript", {
        json: { transcript: transcript.value }, headers: { "Idempotency-Key": api.idempotencyKey() },
      }), "Drafting…");
      navigate(`/invoices/${invoice.id}?new=text`);
    } catch (error) {
      replace(alert, error.friendly ?? String(error));
      alert.hidden = false;
      alert.focus();
    }
  });

  return [
    h("h1", { tabindex: "-1" }, "New invoice"),
    h("section", { class: "card recorder", "aria-labelledby": "voice-heading" },
      h("h2", { id: "voice-heading" }, "Speak it"),
      voiceAlert, status,
      h("div", { class: "recorder-row" }, record, stop, discard, timer, level), progress),
    typed,
  ];
}
