/**
 * Observability plumbing of an open database that is neither reading nor writing data: the event
 * thread that calls {@link dev.strata.EventListener}s, the JFR events, the JMX MXBean and the
 * periodic statistics dump. The engine raises events here; nothing here calls back into the
 * engine but through the public {@link dev.strata.StrataDB} API.
 */
package dev.strata.observe;
