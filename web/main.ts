/** The airboot web page: status and target buttons, flashing, a serial terminal and the settings. */
import { startFlash } from './flash.js';
import { startSettings } from './settings.js';
import { startStatus } from './status.js';
import { startTerminal } from './terminal.js';

const status = startStatus();
startFlash(() => void status.refresh());
startTerminal();
startSettings();
