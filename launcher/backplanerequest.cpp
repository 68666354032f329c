#include "launcher/backplanerequest_p.h"

#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/nodehttpclient_p.h"

#include <QPointer>
#include <QTimer>

#include <memory>

namespace farmchat {

void BackplaneRequest::run(NodeHttpClient &http, const QList<FarmNode *> &nodes,
    const QByteArray &adminToken, BackplaneMode mode, QObject *context, Done done)
{
    struct Pending
    {
        int left = 0;
        QStringList errors;
        Done done;
        QPointer<QObject> context;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    pending->context = context;
    // `name`: the node, named in the failure.
    const auto finishOne = [pending](const QString &name, const Result<void> &switched) {
        if (!switched)
            pending->errors << name + QStringLiteral(": ") + switched.error();
        if (--pending->left == 0 && pending->context)
            pending->done(pending->errors.isEmpty()
                    ? Result<void>()
                    : Result<void>::failure(pending->errors.join(QStringLiteral("; "))));
    };

    QList<FarmNode *> running;
    for (FarmNode *node : nodes) {
        if (node->process()->state() == ProcessState::Healthy)
            running << node;
    }
    if (running.isEmpty()) {
        pending->left = 1;
        QTimer::singleShot(0, context, [finishOne] { finishOne(QString(), Result<void>()); });
        return;
    }
    pending->left = int(running.size());
    for (FarmNode *node : std::as_const(running)) {
        // If the node goes away mid-request its answer never comes: count that as a failure.
        const QString name = node->name();
        auto watch = std::make_shared<QMetaObject::Connection>();
        *watch = QObject::connect(node, &QObject::destroyed, context, [finishOne, name] {
            finishOne(name, Result<void>::failure(QStringLiteral("gone before it answered")));
        });
        http.putBackplane(node->url(), adminToken, mode, kTimeoutMs, node,
            [node, finishOne, watch](const Result<void> &switched) {
                QObject::disconnect(*watch);
                node->pollNow();
                finishOne(node->name(), switched);
            });
    }
}

} // namespace farmchat
