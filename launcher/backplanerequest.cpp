#include "launcher/backplanerequest_p.h"

#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/nodehttpclient_p.h"

#include <QPointer>
#include <QTimer>

#include <array>
#include <memory>

namespace farmchat {

namespace {

// The answers of several nodes gathered into one Done, called once while
// `context` lives.
struct Gathered
{
    int left = 0;
    QStringList errors;
    BackplaneRequest::Done done;
    QPointer<QObject> context;

    // `name`: the node, named in the failure.
    void finishOne(const QString &name, const Result<void> &switched)
    {
        if (!switched)
            errors << name + QStringLiteral(": ") + switched.error();
        if (--left == 0 && context)
            done(errors.isEmpty() ? Result<void>()
                                  : Result<void>::failure(errors.join(QStringLiteral("; "))));
    }
};

// The healthy ones of `nodes`; when there are none, `gathered` finishes ok
// on the next turn of the event loop.
QList<FarmNode *> runningNodes(
    const QList<FarmNode *> &nodes, const std::shared_ptr<Gathered> &gathered, QObject *context)
{
    QList<FarmNode *> running;
    for (FarmNode *node : nodes) {
        if (node->process()->state() == ProcessState::Healthy)
            running << node;
    }
    gathered->left = qMax(1, int(running.size()));
    if (running.isEmpty())
        QTimer::singleShot(0, context, [gathered] { gathered->finishOne(QString(), {}); });
    return running;
}

} // namespace

void BackplaneRequest::run(NodeHttpClient &http, const QList<FarmNode *> &nodes,
    const QByteArray &adminToken, BackplaneMode mode, QObject *context, Done done)
{
    auto gathered = std::make_shared<Gathered>();
    gathered->done = std::move(done);
    gathered->context = context;
    for (FarmNode *node : runningNodes(nodes, gathered, context)) {
        // If the node goes away mid-request its answer never comes: count that as a failure.
        const QString name = node->name();
        auto watch = std::make_shared<QMetaObject::Connection>();
        *watch = QObject::connect(node, &QObject::destroyed, context, [gathered, name] {
            gathered->finishOne(
                name, Result<void>::failure(QStringLiteral("gone before it answered")));
        });
        http.putBackplane(node->url(), adminToken, mode, kTimeoutMs, node,
            [node, gathered, watch](const Result<void> &switched) {
                QObject::disconnect(*watch);
                node->pollNow();
                gathered->finishOne(node->name(), switched);
            });
    }
}

void BackplaneRequest::byRestart(const QList<FarmNode *> &nodes,
    const std::function<void(FarmNode *)> &restart, QObject *context, Done done)
{
    auto gathered = std::make_shared<Gathered>();
    gathered->done = std::move(done);
    gathered->context = context;
    for (FarmNode *node : runningNodes(nodes, gathered, context)) {
        const QString name = node->name();
        // The first of: healthy again, failed to start, gone.
        auto watches = std::make_shared<std::array<QMetaObject::Connection, 3>>();
        auto finish = [gathered, watches, name](const Result<void> &back) {
            for (const QMetaObject::Connection &watch : *watches)
                QObject::disconnect(watch);
            gathered->finishOne(name, back);
        };
        (*watches)[0]
            = QObject::connect(node, &FarmNode::becameHealthy, context, [finish] { finish({}); });
        (*watches)[1] = QObject::connect(node, &FarmNode::startFailed, context,
            [finish](const QString &why) { finish(Result<void>::failure(why)); });
        (*watches)[2] = QObject::connect(node, &QObject::destroyed, context, [finish] {
            finish(Result<void>::failure(QStringLiteral("gone before it came back")));
        });
        restart(node);
    }
}

} // namespace farmchat
