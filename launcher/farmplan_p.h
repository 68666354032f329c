#pragma once

#include "core/result.h"
#include "launcher/farmconfig.h"
#include "redis/redisurl.h"

#include <QList>
#include <QString>

#include <optional>

namespace farmchat {

// What a FarmConfig resolves to before anything starts: the programs found,
// the node ports checked (or picked when automatic), an external Redis URL
// parsed, the log directory created. FarmSupervisor makes one first, so every
// error found here means nothing was started.
struct FarmPlan
{
    QString nodeProgram;
    QString redisProgram; // empty when externalRedis is set
    std::optional<RedisUrl> externalRedis;
    QList<quint16> ports; // one per node, in order
    QString haproxyProgram; // empty without a load balancer
    quint16 lbPort = 0; // the load balancer's, checked or picked; 0 without one

    static Result<FarmPlan> make(const FarmConfig &config);
    // The log file of process `name` ("node-9090"), or empty without a log dir.
    static QString logFile(const FarmConfig &config, const QString &name);
};

} // namespace farmchat
