#pragma once

#include "core/result.h"
#include "server/node.h"

#include <QString>

#include <memory>

namespace farmchat::test {

// A config for an in-process node on a free loopback port.
NodeConfig testNodeConfig();

// Builds and starts an in-process node: the running node, or why it did not start.
Result<std::unique_ptr<Node>> startTestNode(
    const NodeConfig &config, BackplaneSwitch::Maker maker = {});

// Sends raw bytes to 127.0.0.1:port and returns what came back until the peer
// closed or timeoutMs passed. Unlike rawExchange() it keeps the event loop
// running, so it also works against a node in this process.
QByteArray exchange(quint16 port, const QByteArray &bytes, int timeoutMs = 3000);

} // namespace farmchat::test
