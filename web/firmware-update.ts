/**
 * Settings → "Update this airboot": the ESP32's own firmware over the air (POST /api/device/firmware, raw body). Shown
 * only where the status says the runtime can (status.runtime.firmwareUpdate): never on a PC or an ESP8266.
 */
import { authHeaders, ensureLoggedIn, logIn, needsLogin, parseAnswer, type Status } from './api.js';
import { byId, showMessage } from './dom.js';
import { onStatus } from './status.js';

export function startFirmwareUpdate(): void {
  const form = byId<HTMLFormElement>('firmware-form');
  const input = byId<HTMLInputElement>('firmware-file');
  const message = byId('firmware-message');
  onStatus((status: Status) => {
    form.hidden = status.runtime?.firmwareUpdate !== true;
  });

  const send = (file: File, retried: boolean) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/device/firmware');
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
    request.upload.onprogress = (progress) => {
      if (progress.lengthComputable) {
        showMessage(message, `uploading ${Math.floor((100 * progress.loaded) / progress.total)} %…`, '');
      }
    };
    request.onload = () => {
      try {
        parseAnswer(request.status, request.responseText);
        showMessage(
          message,
          'updated: airboot restarts into the new firmware and is back in a few seconds',
          'ok',
        );
      } catch (error) {
        if (!retried && needsLogin(error)) {
          logIn().then(
            () => send(file, true),
            () => showMessage(message, 'not updated: not logged in', 'error'),
          );
          return;
        }
        showMessage(message, `not updated: ${(error as Error).message}`, 'error');
      }
    };
    request.onerror = () =>
      showMessage(message, 'not updated: the connection failed; the running firmware stays', 'error');
    request.send(file);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (!file) return;
    try {
      await ensureLoggedIn();
    } catch {
      showMessage(message, 'not updated: not logged in', 'error');
      return;
    }
    send(file, false);
  });
}
