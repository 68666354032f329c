#pragma once

#include <QByteArray>

namespace farmchat {

// The value of `field` in an INFO-style answer ("cluster_state:ok\r\n…",
// INFO replication, CLUSTER INFO); empty when the field is absent.
QByteArray redisInfoField(const QByteArray &info, const QByteArray &field);

} // namespace farmchat
