#include "launcher/redisclustergroup.h"

#include "launcher/managedprocess.h"
#include "launcher/redisinstance.h"
#include "protocol/roomchannel.h"
#include "redis/clusterslot.h"
#include "redis/redisconnection.h"
#include "redis/redisinfo.h"

#include <QLoggingCategory>

namespace farmchat {

Q_LOGGING_CATEGORY(lcLauncherCluster, "farmchat.launcher.cluster")

namespace {
constexpr int kStepMs = 50;
} // namespace

struct RedisClusterGroup::Member
{
    RedisInstance *server = nullptr;
    std::unique_ptr<RedisConnection> link;
    int shard = 0;
    bool replica = false;
    QByteArray id; // CLUSTER MYID
    bool busy = false; // a step's commands are out
    bool done = false; // this phase's work on it is finished

    QString name() const { return server->process()->name(); }
};

RedisClusterGroup::RedisClusterGroup(
    const QString &program, ProcessGuard &guard, int shards, int replicas, QObject *parent)
    : QObject(parent)
    , m_program(program)
    , m_shards(qBound(kMinShards, shards, kMaxShards))
    , m_replicas(qBound(0, replicas, 1))
{
    for (int replica = 0; replica <= m_replicas; ++replica) {
        for (int shard = replica ? 0 : 1; shard < m_shards; ++shard) {
            auto server = std::make_unique<RedisInstance>(
                program, guard, nullptr, serverName(shard, replica != 0));
            server->setReplicated(true);
            server->setClusterNode(true);
            connect(server.get(), &RedisInstance::ready, this, &RedisClusterGroup::onServerReady);
            connect(server.get(), &RedisInstance::failed, this, [this](const QString &why) {
                if (m_phase != Phase::Idle && m_phase != Phase::Ready)
                    fail(why);
            });
            m_servers.push_back(std::move(server));
        }
    }
    m_stepTimer.setInterval(kStepMs);
    connect(&m_stepTimer, &QTimer::timeout, this, &RedisClusterGroup::step);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this] {
        fail(QStringLiteral("the Redis Cluster was not ready within %1 ms (%2%3)")
                 .arg(m_readyTimeoutMs)
                 .arg(phaseText(),
                     m_lastAnswer.isEmpty() ? QString() : QStringLiteral(": ") + m_lastAnswer));
    });
}

RedisClusterGroup::~RedisClusterGroup() = default;

QString RedisClusterGroup::serverName(int shard, bool replica)
{
    return QStringLiteral("redis-shard-%1%2")
        .arg(shard + 1)
        .arg(replica ? QStringLiteral("-replica") : QString());
}

RedisInstance *RedisClusterGroup::server(int index) const
{
    return index >= 0 && index < serverCount() ? m_servers[size_t(index)].get() : nullptr;
}

RedisInstance *RedisClusterGroup::shardServer(int shard, int role) const
{
    if (shard < 0 || shard >= m_shards || role < 0 || role > m_replicas)
        return nullptr;
    if (role == 0)
        return shard == 0 ? nullptr : server(shard - 1);
    return server(m_shards - 1 + shard);
}

std::pair<int, int> RedisClusterGroup::slotRange(int shard) const
{
    // As redis-cli splits them: the remainder goes to the first shards.
    const int base = kSlots / m_shards;
    const int extra = kSlots % m_shards;
    const int first = shard * base + qMin(shard, extra);
    return {first, first + base + (shard < extra ? 1 : 0) - 1};
}

int RedisClusterGroup::shardOfRoom(const QString &room) const
{
    const int slot = clusterKeySlot(roomChannel(kDefaultChannelPrefix, room));
    for (int shard = 0; shard < m_shards; ++shard) {
        if (slot <= slotRange(shard).second)
            return shard;
    }
    return m_shards - 1;
}

void RedisClusterGroup::setStopGraceMs(int ms)
{
    for (const auto &server : m_servers)
        server->process()->setStopGraceMs(ms);
}

void RedisClusterGroup::setLogFiles(const std::function<QString(const QString &)> &logFileFor)
{
    for (const auto &server : m_servers)
        server->setLogFile(logFileFor(server->process()->name()));
}

void RedisClusterGroup::start(RedisInstance &first, qint64 maxMemoryBytes)
{
    m_members.clear();
    m_lastAnswer.clear();
    m_phase = Phase::Starting;
    auto add = [this](RedisInstance *server, int shard, bool replica) {
        auto member = std::make_unique<Member>();
        member->server = server;
        member->shard = shard;
        member->replica = replica;
        m_members.push_back(std::move(member));
    };
    add(&first, 0, false);
    for (int shard = 1; shard < m_shards; ++shard)
        add(shardServer(shard, 0), shard, false);
    for (int shard = 0; m_replicas > 0 && shard < m_shards; ++shard)
        add(shardServer(shard, 1), shard, true);
    m_deadline.start(m_readyTimeoutMs);
    for (const auto &server : m_servers) {
        server->setPassword(first.password());
        server->setMaxMemoryBytes(maxMemoryBytes);
        server->setClusterNodeTimeoutMs(m_nodeTimeoutMs);
        server->start(0);
    }
}

void RedisClusterGroup::onServerReady()
{
    if (m_phase != Phase::Starting)
        return;
    for (const auto &member : m_members) {
        if (member->server->process()->state() != ProcessState::Healthy) {
            m_lastAnswer = member->name() + QStringLiteral(" is not up yet");
            return;
        }
    }
    connectMembers();
}

void RedisClusterGroup::connectMembers()
{
    for (const auto &member : m_members) {
        RedisConnectionOptions options;
        options.url.host = QStringLiteral("127.0.0.1");
        options.url.port = member->server->port();
        options.password = member->server->password();
        options.passwordSource = QStringLiteral("the farm's Redis password");
        options.clientName = QStringLiteral("farmchat:launcher");
        member->link = std::make_unique<RedisConnection>(options);
        member->link->start();
    }
    m_phase = Phase::Identify;
    m_stepTimer.start();
}

void RedisClusterGroup::step()
{
    for (const auto &member : m_members) {
        if (!member->link || !member->link->isReady()) {
            m_lastAnswer = QStringLiteral("no link to %1").arg(member->name());
            return;
        }
    }
    switch (m_phase) {
    case Phase::Identify:
        identify();
        break;
    case Phase::Meet:
        meet();
        break;
    case Phase::Replicate:
        replicate();
        break;
    case Phase::WaitOk:
        checkOk();
        break;
    case Phase::Idle:
    case Phase::Starting:
    case Phase::Ready:
        break;
    }
}

void RedisClusterGroup::identify()
{
    bool allDone = true;
    for (size_t i = 0; i < m_members.size(); ++i) {
        Member *member = m_members[i].get();
        allDone = allDone && member->done;
        if (member->done || member->busy)
            continue;
        member->busy = true;
        // Distinct epochs up front, so no slot conflict needs resolving later.
        member->link->command(
            {"CLUSTER", "SET-CONFIG-EPOCH", QByteArray::number(qulonglong(i + 1))}, nullptr);
        if (!member->replica) {
            const auto [first, last] = slotRange(member->shard);
            member->link->command(
                {"CLUSTER", "ADDSLOTSRANGE", QByteArray::number(first), QByteArray::number(last)},
                [this, member](const RedisValue &reply) {
                    if (reply.isError())
                        fail(QStringLiteral("%1 refused its slots: %2")
                                 .arg(member->name(), reply.errorText()));
                });
        }
        member->link->command({"CLUSTER", "MYID"}, [this, member](const RedisValue &reply) {
            member->busy = false;
            if (m_phase != Phase::Identify)
                return;
            if (!reply.isString() || reply.bytes().isEmpty()) {
                m_lastAnswer = member->name() + QStringLiteral(" gave no node id: ")
                    + (reply.isError() ? reply.errorText() : reply.describe());
                return;
            }
            member->id = reply.bytes();
            member->done = true;
        });
    }
    if (!allDone)
        return;
    for (const auto &member : m_members)
        member->done = false;
    m_phase = Phase::Meet;
}

void RedisClusterGroup::meet()
{
    Member &introducer = *m_members.front();
    if (introducer.busy)
        return;
    introducer.busy = true;
    for (size_t i = 1; i < m_members.size(); ++i) {
        const RedisInstance &server = *m_members[i]->server;
        introducer.link->command({"CLUSTER", "MEET", "127.0.0.1", QByteArray::number(server.port()),
                                     QByteArray::number(server.clusterBusPort())},
            [this, name = m_members[i]->name()](const RedisValue &reply) {
                if (reply.isError())
                    fail(QStringLiteral("CLUSTER MEET of %1 failed: %2")
                             .arg(name, reply.errorText()));
            });
    }
    introducer.link->command({"PING"}, [this, &introducer](const RedisValue &) {
        introducer.busy = false;
        if (m_phase == Phase::Meet)
            m_phase = m_replicas > 0 ? Phase::Replicate : Phase::WaitOk;
    });
}

RedisClusterGroup::Member &RedisClusterGroup::primaryOf(int shard)
{
    return *m_members[size_t(shard)];
}

void RedisClusterGroup::replicate()
{
    bool allDone = true;
    for (const auto &owned : m_members) {
        Member *member = owned.get();
        if (!member->replica)
            continue;
        allDone = allDone && member->done;
        if (member->done || member->busy)
            continue;
        member->busy = true;
        // "Unknown node" until gossip has told it of its primary: asked again.
        member->link->command({"CLUSTER", "REPLICATE", primaryOf(member->shard).id},
            [this, member](const RedisValue &reply) {
                member->busy = false;
                if (reply.isError()) {
                    m_lastAnswer = member->name() + QStringLiteral(": ") + reply.errorText();
                    return;
                }
                member->done = true;
            });
    }
    if (!allDone)
        return;
    for (const auto &member : m_members)
        member->done = false;
    m_phase = Phase::WaitOk;
}

void RedisClusterGroup::checkOk()
{
    bool allDone = true;
    const QByteArray known = QByteArray::number(qulonglong(m_members.size()));
    for (const auto &owned : m_members) {
        Member *member = owned.get();
        allDone = allDone && member->done;
        if (member->done || member->busy)
            continue;
        member->busy = true;
        member->link->command({"CLUSTER", "INFO"}, [this, member, known](const RedisValue &reply) {
            member->busy = false;
            const QByteArray state = redisInfoField(reply.bytes(), "cluster_state");
            const QByteArray nodes = redisInfoField(reply.bytes(), "cluster_known_nodes");
            if (state != "ok" || nodes != known) {
                m_lastAnswer = QStringLiteral("%1 says cluster_state:%2, %3 of %4 nodes known")
                                   .arg(member->name(), QString::fromLatin1(state),
                                       QString::fromLatin1(nodes), QString::fromLatin1(known));
                return;
            }
            if (!member->replica) {
                member->done = true;
                return;
            }
            member->busy = true;
            member->link->command({"INFO", "replication"}, [this, member](const RedisValue &info) {
                member->busy = false;
                if (redisInfoField(info.bytes(), "master_link_status") == "up")
                    member->done = true;
                else
                    m_lastAnswer = member->name() + QStringLiteral(" is not in sync yet");
            });
        });
    }
    if (!allDone)
        return;
    m_phase = Phase::Ready;
    m_stepTimer.stop();
    m_deadline.stop();
    dropLinks();
    qCInfo(lcLauncherCluster, "Redis Cluster ready: %d shards, %d replica(s) each", m_shards,
        m_replicas);
    Q_EMIT ready();
}

void RedisClusterGroup::fail(const QString &error)
{
    if (m_phase == Phase::Idle || m_phase == Phase::Ready)
        return;
    m_phase = Phase::Idle;
    m_stepTimer.stop();
    m_deadline.stop();
    dropLinks();
    Q_EMIT failed(error);
}

void RedisClusterGroup::dropLinks()
{
    // Possibly from inside one of their callbacks: deleted once it returned.
    for (const auto &member : m_members) {
        if (member->link)
            member->link.release()->deleteLater();
    }
}

QString RedisClusterGroup::phaseText() const
{
    switch (m_phase) {
    case Phase::Starting:
        return QStringLiteral("starting the servers");
    case Phase::Identify:
        return QStringLiteral("assigning slots");
    case Phase::Meet:
        return QStringLiteral("introducing the servers");
    case Phase::Replicate:
        return QStringLiteral("attaching the replicas");
    case Phase::WaitOk:
        return QStringLiteral("waiting for cluster_state:ok");
    case Phase::Idle:
    case Phase::Ready:
        break;
    }
    return QStringLiteral("idle");
}

void RedisClusterGroup::stop()
{
    m_phase = Phase::Idle;
    m_stepTimer.stop();
    m_deadline.stop();
    dropLinks();
    for (const auto &server : m_servers)
        server->stop();
}

bool RedisClusterGroup::isLive() const
{
    for (const auto &server : m_servers) {
        if (farmchat::isLive(server->process()->state()))
            return true;
    }
    return false;
}

} // namespace farmchat
