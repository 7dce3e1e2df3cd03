import * as pulumi from "@pulumi/pulumi";
import { webhookSigning } from "./signing";

const config = new pulumi.Config();
const orders = webhookSigning("orders", { webhookId: config.require("webhookId"), rotateAfter: config.get("rotateAfter") });

export const fingerprint = orders.fingerprint;
export const receiverSecrets = orders.receiverSecrets;
