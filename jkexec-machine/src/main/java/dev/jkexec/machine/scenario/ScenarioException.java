package dev.jkexec.machine.scenario;

import dev.jkexec.platform.JkexecException;

/** A scenario file is malformed: the message names the step and the field. */
public class ScenarioException extends JkexecException {
    public ScenarioException(String message) {
        super(message);
    }
}
