#pragma once

#include "backplane/backplane.h"

namespace farmchat {

// Backplane mode `off`: a message reaches this node's clients only. This is the
// web-farm problem the demo shows: nodes never hear each other.
class LocalBackplane final : public Backplane
{
    Q_OBJECT
public:
    explicit LocalBackplane(QObject *parent = nullptr) : Backplane(parent) { }

    BackplaneMode mode() const override { return BackplaneMode::Off; }
    void publish(const ChatMessage &message, PublishDone done) override;
    void watchRoom(const QString &) override { }
    void unwatchRoom(const QString &) override { }
    BackplaneStatus status() const override { return {}; }
};

} // namespace farmchat
