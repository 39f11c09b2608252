/*
 * agent: `rampage agent`, the engine without store or dashboard, driven over one websocket by one
 * controller at a time (docs/agent-protocol.md). The top layer beside http and cli.
 */
#ifndef RAMPAGE_AGENT_H
#define RAMPAGE_AGENT_H

/* Entry point of `rampage agent` (argv[0] is "agent"). Returns the exit status. */
int agent_main(int argc, char **argv);

#endif
