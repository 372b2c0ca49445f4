/**
 * Scenarios: JSON files of machine steps (boot, load, exec, crash, expect, ...), parsed with named
 * errors and run on a fresh machine, each step timed and checked (docs/scenarios.md).
 */
package dev.jkexec.machine.scenario;
