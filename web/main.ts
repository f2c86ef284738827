/** The airboot web page: status and target buttons, flashing, a serial terminal and the settings, one page each. */
import { startAuth } from './auth.js';
import { startFirmwareUpdate } from './firmware-update.js';
import { startFlash } from './flash.js';
import { startNav } from './nav.js';
import { startSettings } from './settings.js';
import { startStatus } from './status.js';
import { startTerminal } from './terminal.js';

startNav();
startAuth();
startTerminal();
startSettings();
startFirmwareUpdate();
const status = startStatus();
startFlash(() => void status.refresh());
