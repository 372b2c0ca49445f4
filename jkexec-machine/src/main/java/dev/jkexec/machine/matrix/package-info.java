/** The compatibility matrix: every kernel jkexec can get, through every path, measured on a real machine. */
package dev.jkexec.machine.matrix;
