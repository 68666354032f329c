#include "launcher/farmplan_p.h"

#include "launcher/executablelocator.h"
#include "launcher/portprobe.h"

#include <QDir>

namespace farmchat {

Result<FarmPlan> FarmPlan::make(const FarmConfig &config)
{
    using Outcome = Result<FarmPlan>;
    if (const Result<void> valid = config.validate(); !valid)
        return Outcome::failure(valid.error());
    FarmPlan plan;

    const auto nodeProgram = config.nodeBinary.isEmpty()
        ? ExecutableLocator::nodeBinary(config.nodeKind)
        : Result<QString>(config.nodeBinary);
    if (!nodeProgram)
        return Outcome::failure(nodeProgram.error());
    plan.nodeProgram = nodeProgram.value();

    if (!config.redisUrl.isEmpty()) {
        const auto endpoint = RedisUrl::parse(config.redisUrl);
        if (!endpoint)
            return Outcome::failure(QStringLiteral("--redis-url: ") + endpoint.error());
        plan.externalRedis = endpoint.value();
    } else {
        const auto located = ExecutableLocator::redisServer(config.redisServer);
        if (!located)
            return Outcome::failure(located.error());
        plan.redisProgram = located.value();
    }

    plan.ports = config.requestedPorts();
    if (plan.ports.isEmpty()) {
        plan.ports = PortProbe::pickFree(config.nodes);
        if (plan.ports.size() != config.nodes)
            return Outcome::failure(QStringLiteral("not enough free ports on 127.0.0.1"));
    } else if (const QStringList taken = PortProbe::check(plan.ports); !taken.isEmpty()) {
        return Outcome::failure(
            QStringLiteral("cannot start the farm: ") + taken.join(QStringLiteral("; ")));
    }

    if (config.loadBalancer != LbPolicy::None) {
        const auto haproxy = ExecutableLocator::haproxy(config.haproxy);
        if (!haproxy)
            return Outcome::failure(haproxy.error());
        plan.haproxyProgram = haproxy.value();
        if (config.lbPort == 0) {
            const QList<quint16> free = PortProbe::pickFree(1, plan.ports);
            if (free.isEmpty())
                return Outcome::failure(QStringLiteral("no free port on 127.0.0.1 for haproxy"));
            plan.lbPort = free.first();
        } else if (plan.ports.contains(config.lbPort)) {
            return Outcome::failure(
                QStringLiteral("the load balancer's port %1 is also a node's port")
                    .arg(config.lbPort));
        } else if (const Result<void> free = PortProbe::check(config.lbPort); !free) {
            return Outcome::failure(
                QStringLiteral("cannot start the load balancer: ") + free.error());
        } else {
            plan.lbPort = config.lbPort;
        }
    }

    if (!config.logDir.isEmpty() && !QDir().mkpath(config.logDir))
        return Outcome::failure(
            QStringLiteral("cannot create the log directory %1").arg(config.logDir));
    return plan;
}

QString FarmPlan::logFile(const FarmConfig &config, const QString &name)
{
    return config.logDir.isEmpty() ? QString()
                                   : QDir(config.logDir).filePath(name + QStringLiteral(".log"));
}

} // namespace farmchat
