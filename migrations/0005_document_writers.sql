CREATE TABLE "document_writers" (
	"document_id" text NOT NULL,
	"client_id" bigint NOT NULL,
	"user_id" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"stretches" jsonb NOT NULL,
	CONSTRAINT "document_writers_document_id_client_id_pk" PRIMARY KEY("document_id","client_id")
);
--> statement-breakpoint
ALTER TABLE "document_writers" ADD CONSTRAINT "document_writers_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;