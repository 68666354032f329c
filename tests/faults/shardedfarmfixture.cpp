#include "tests/faults/shardedfarmfixture.h"

#include "protocol/roomchannel.h"
#include "redis/clusterslot.h"

#include <QTest>

namespace farmchat::test {

ShardedFarmFixture::~ShardedFarmFixture()
{
    stop();
}

void ShardedFarmFixture::stop()
{
    m_farm.reset(); // clients and nodes before the servers they use
    m_cluster.reset();
}

Result<void> ShardedFarmFixture::start(const QString &mode, const QString &roomPrefix)
{
    if (const QString missing = TestFarm::missingPrerequisite(); !missing.isEmpty())
        return Result<void>::failure(missing);
    m_roomPrefix = roomPrefix;
    m_cluster = std::make_unique<TestRedisCluster>(3);
    if (const Result<void> started = m_cluster->start(); !started)
        return started;
    QStringList seeds;
    for (int i = 0; i < m_cluster->size(); ++i)
        seeds << QStringLiteral("127.0.0.1:%1").arg(m_cluster->shard(i).port());
    m_farm = std::make_unique<TestFarm>();
    m_farm->redisArgs = {QStringLiteral("--redis-cluster"), seeds.join(u',')};
    if (const Result<void> started = m_farm->start(mode, 2, 1, m_cluster->password()); !started)
        return started;
    if (!QTest::qWaitFor([this] { return m_farm->redisConnectedEverywhere(); }, TestFarm::kWaitMs))
        return Result<void>::failure(QStringLiteral("the nodes never reached every shard"));
    int joined = 0;
    for (int s = 0; s < m_farm->seats(); ++s) {
        for (int n = 0; n < kRooms; ++n)
            m_farm->seat(s).client->joinRoom(
                room(n), [&joined](const Result<void> &r) { joined += r ? 1 : 0; });
    }
    if (!QTest::qWaitFor([&] { return joined == kRooms * m_farm->seats(); }, TestFarm::kWaitMs))
        return Result<void>::failure(
            QStringLiteral("only %1 of %2 joins answered").arg(joined).arg(kRooms * 2));
    for (int n = 0; n < kRooms; ++n) {
        if (!m_farm->waitForReaders(room(n)))
            return Result<void>::failure(QStringLiteral("room %1 never crossed").arg(room(n)));
        m_shardOf.insert(room(n),
            m_cluster->ownerOf(clusterKeySlot(roomChannel(kDefaultChannelPrefix, room(n)))));
    }
    return {};
}

QHash<QString, QString> ShardedFarmFixture::sendToEveryRoom(int from, const QString &label)
{
    QHash<QString, QString> texts;
    for (int n = 0; n < kRooms; ++n) {
        const QString text = QStringLiteral("%1 %2").arg(label, room(n));
        m_farm->send(from, text, room(n));
        texts.insert(room(n), text);
    }
    return texts;
}

bool ShardedFarmFixture::setSlot(int node, int slot, const QByteArrayList &how)
{
    const auto reply = m_cluster->shard(node).command(
        QByteArrayList {"CLUSTER", "SETSLOT", QByteArray::number(slot)} + how);
    if (!reply.ok)
        qWarning("CLUSTER SETSLOT on node %d: %s", node, reply.error.constData());
    return reply.ok;
}

} // namespace farmchat::test
