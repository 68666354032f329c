#pragma once

#include "backplane/backplane.h"
#include "backplane/pubsub/sequencetracker_p.h"

#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

namespace farmchat {

class PubSubTransport;
struct BackplaneCounters;

// Backplane mode `pubsub`: PUBLISH {prefix}:room:{room}, one SUBSCRIBE per
// watched room, local clients served at once (on a Redis Cluster SPUBLISH and
// SSUBSCRIBE, so each room's traffic stays on its slot's shard). At-most-once like SignalR's and
// Socket.IO's Redis adapters, but no loss goes uncounted: a PUBLISH that
// could not be sent (or Redis refused) is backplaneDropped{publish_failed} at
// the sender, one sent but never answered is backplaneUnconfirmed (it may have
// crossed), and a sequence gap is backplaneDropped{gap} at each receiver. The transport
// (PubSubTransport: the Redis links) belongs to the BackplaneFactory and outlives this object.
class PubSubBackplane final : public Backplane
{
    Q_OBJECT
public:
    struct Config
    {
        QString nodeId;
        QString channelPrefix;
    };

    PubSubBackplane(Config config, PubSubTransport &transport, BackplaneCounters &counters,
        QObject *parent = nullptr);
    ~PubSubBackplane() override;

    BackplaneMode mode() const override { return BackplaneMode::PubSub; }
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &room) override;
    void unwatchRoom(const QString &room) override;
    bool isRoomReady(const QString &room) const override;
    BackplaneStatus status() const override;
    void retire(HandOver handOver) override;
    bool isDrained() const override { return m_retired && m_inFlight == 0; }

    QByteArray channelFor(const QString &room) const;
    const QString &boot() const { return m_boot; }

private:
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void onTransportChanged();
    void publishFailed(const QString &target, const QString &error, bool redisFull = false);
    void publishSucceeded(const QByteArray &channel);
    QString publishVerbTo(const QString &target) const;
    void publishUnconfirmed(const QString &error);
    void noteError(const QString &error);

    Config m_config;
    PubSubTransport &m_transport;
    QPointer<PubSubTransport> m_transportAlive;
    BackplaneCounters &m_counters;
    QString m_boot;
    QHash<QString, qint64> m_seq; // room -> last sequence number published
    QHash<QByteArray, QString> m_rooms; // channel -> watched room
    QSet<QString> m_roomsNotReady; // watched, roomReady() not said yet
    SequenceTracker m_received;
    // Publish targets (PubSubTransport::publishTarget) whose last publish
    // failed: said once when one starts failing and once when it works again.
    QSet<QString> m_failingTargets;
    int m_inFlight = 0; // PUBLISHes waiting for Redis' answer
    bool m_retired = false;
    QString m_lastError;
    qint64 m_lastErrorAtMs = 0;
    QTimer m_statusTimer; // one statusChanged per event-loop pass, not one per failed PUBLISH
};

} // namespace farmchat
