#include "app/farmrooms.h"

#include "app/panesession.h"
#include "launcher/farmsupervisor.h"
#include "launcher/managedprocess.h"
#include "launcher/redisclustergroup.h"
#include "protocol/chatmessage.h"

#include <memory>

namespace farmchat {

FarmRooms::FarmRooms(const FarmSupervisor &farm, QObject *parent)
    : QObject(parent), m_farm(farm), m_names {ChatClient::kLobby}
{ }

QStringList FarmRooms::suggestions()
{
    // On the launcher's 3-shard cluster these are two rooms per shard.
    return {ChatClient::kLobby, QStringLiteral("dev"), QStringLiteral("ops"),
        QStringLiteral("team"), QStringLiteral("sales"), QStringLiteral("random")};
}

Result<void> FarmRooms::use(
    const QString &room, const QList<PaneSession *> &panes, std::function<void()> ready)
{
    if (const Result<void> valid = checkRoomName(room); !valid)
        return valid;
    if (m_names.contains(room)) {
        ready();
        return {};
    }
    if (m_names.size() >= kMaxRooms)
        return Result<void>::failure(
            tr("the panes already chat in %1 rooms, the most the picker keeps").arg(kMaxRooms));
    m_names << room;
    Q_EMIT changed();
    // Shared by the join callbacks: the last one to answer sends.
    auto waiting = std::make_shared<int>(int(panes.size()));
    auto go = std::make_shared<std::function<void()>>(std::move(ready));
    if (*waiting == 0)
        (*go)();
    for (PaneSession *pane : panes) {
        pane->client().joinRoom(room, [waiting, go](const Result<void> &) {
            if (--*waiting == 0)
                (*go)(); // a pane that could not join shows as a miss in the matrix
        });
    }
    return {};
}

void FarmRooms::joinAll(PaneSession &pane) const
{
    for (const QString &room : m_names) {
        if (room != ChatClient::kLobby)
            pane.client().joinRoom(room);
    }
}

void FarmRooms::countSent(const QString &room)
{
    ++m_sent[room];
    Q_EMIT changed();
}

int FarmRooms::shardOf(const QString &room) const
{
    const RedisClusterGroup *cluster = m_farm.cluster();
    return cluster ? cluster->shardOfRoom(room) : -1;
}

FarmRooms::ShardTraffic FarmRooms::onShard(int shard) const
{
    QStringList rooms;
    int sent = 0;
    for (const QString &room : m_names) {
        if (shardOf(room) != shard)
            continue;
        rooms << QStringLiteral("%1 %2").arg(room).arg(m_sent.value(room));
        sent += m_sent.value(room);
    }
    return {rooms.join(QStringLiteral(", ")), sent};
}

QString FarmRooms::shardTrouble(const QString &room) const
{
    const int shard = shardOf(room);
    if (shard < 0 || m_farm.isShardServing(shard))
        return {};
    const ManagedProcess *process = m_farm.process(m_farm.processIndexOfShard(shard, false));
    const QString name = process ? process->name() : tr("shard %1").arg(shard + 1);
    if (m_farm.backplane() == BackplaneMode::Streams)
        return tr("'%1' lives on %2, which is down: messages to it wait in the nodes' outboxes "
                  "and arrive when it is back")
            .arg(room, name);
    return tr("'%1' lives on %2, which is down: messages to it reach only the sender's node")
        .arg(room, name);
}

void FarmRooms::reset()
{
    m_names = QStringList {ChatClient::kLobby};
    m_sent.clear();
    Q_EMIT changed();
}

} // namespace farmchat
