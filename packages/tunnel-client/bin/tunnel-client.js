#!/usr/bin/env node
// The installed command: a fixed, executable entry point (tsc output is not executable).
import '../dist/src/cli.js';
