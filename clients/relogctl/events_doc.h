// docs/EVENTS.md, rendered from the case event protos: every stored event
// type, its fields with their numbers, types and data classes, the shared
// messages and enums they use, and the rules by which event schemas evolve
// — what a landlord's IT team codes against. `relogctl help events`
// prints it; a test checks the committed file is current.
#ifndef RELOG_CLIENTS_RELOGCTL_EVENTS_DOC_H_
#define RELOG_CLIENTS_RELOGCTL_EVENTS_DOC_H_

#include <string>

namespace relog::ctl {

std::string RenderEventsMarkdown();

}  // namespace relog::ctl

#endif  // RELOG_CLIENTS_RELOGCTL_EVENTS_DOC_H_
