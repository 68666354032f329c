#pragma once

#include <QByteArrayView>

namespace farmchat {

// Redis Cluster key → hash slot, as the servers compute it (Redis Cluster
// specification, "Key distribution model" and "Hash tags"). ClusterRouter
// uses it to pick the shard for a command.

inline constexpr int kClusterSlotCount = 16384;

// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0, no reflection),
// the checksum of the spec's Appendix A; CRC16("123456789") = 0x31C3.
quint16 clusterCrc16(QByteArrayView data);

// The slot of `key`: CRC16 of the hash tag (the bytes between the first '{'
// and the first '}' after it, when there are any) or else of the whole key,
// modulo 16384.
int clusterKeySlot(QByteArrayView key);

} // namespace farmchat
