#include "launcher/secret_p.h"

#include <QRandomGenerator>

namespace farmchat {

QByteArray generateSecret(int length)
{
    static constexpr char alphabet[]
        = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    constexpr int size = int(sizeof(alphabet)) - 1;
    QByteArray secret(length, '\0');
    QRandomGenerator *random = QRandomGenerator::system();
    for (char &c : secret)
        c = alphabet[random->bounded(size)];
    return secret;
}

} // namespace farmchat
